/// Why training stopped early.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss of step `step` (1-based) was NaN or infinite; `lastCheckpointStep` is the step of
    /// the checkpoint left in place, if any.
    case nonFiniteLoss(step: Int, epoch: Int, loss: Float, lastCheckpointStep: Int?)
    /// A gradient of step `step` had a NaN or infinite element, first in `parameter`.
    case nonFiniteGradient(step: Int, epoch: Int, parameter: String, lastCheckpointStep: Int?)
    /// After step `step` a weight, BatchNorm buffer or optimizer-state tensor (first `tensor`) holds
    /// a NaN or infinity: the run diverged, and no checkpoint of this state is written.
    case nonFiniteState(step: Int, epoch: Int, tensor: String, lastCheckpointStep: Int?)
    /// The dataset's channel count differs from the model's input channels (e.g. resuming a
    /// grayscale run on RGB images).
    case datasetChannels(data: String, found: Int, expected: Int)
    /// The processes of a data-parallel run differ in `field` (arguments, images or start step).
    case processesDisagree(field: String, processes: Int)

    public var description: String {
        let (what, step, epoch, kept): (String, Int, Int, Int?)
        switch self {
        case .datasetChannels(let data, let found, let expected):
            return "\(data) has \(found)-channel images, but the model takes \(expected) channel(s)"
        case .processesDisagree(let field, let processes):
            return "the \(processes) processes do not train the same run: their \(field) differ.\n---> HINT: start every process with the same command, the same images, and (for --resume) the same checkpoint."
        case .nonFiniteLoss(let s, let e, let loss, let last):
            (what, step, epoch, kept) = ("the loss is \(loss)", s, e, last)
        case .nonFiniteGradient(let s, let e, let parameter, let last):
            (what, step, epoch, kept) = ("the gradient of '\(parameter)' is not finite", s, e, last)
        case .nonFiniteState(let s, let e, let tensor, let last):
            (what, step, epoch, kept) = ("'\(tensor)' is not finite (the run diverged)", s, e, last)
        }
        let checkpoint = kept.map { "the last good checkpoint (step \($0)) is kept" } ?? "no checkpoint was written yet"
        return "training stopped at step \(step) (epoch \(epoch)): \(what); \(checkpoint).\n---> HINT: lower --lr, raise --temperature or check the data."
    }

    /// The name of the first parameter whose gradient holds a NaN or infinity, if any.
    ///
    /// - Complexity: one pass over every gradient (a Double sum per parameter: a NaN or infinity
    ///   anywhere makes it non-finite, and Float values cannot overflow a Double sum).
    public static func firstNonFiniteGradient(in parameters: [Parameter]) -> String? {
        for parameter in parameters {
            let finite = parameter.gradient.withUnsafeBufferPointer { isFinite($0) }
            if !finite { return parameter.name }
        }
        return nil
    }

    /// Whether every element of `tensor` is finite.
    ///
    /// - Complexity: one pass (a Double sum: a NaN or infinity anywhere makes it non-finite, and
    ///   Float values cannot overflow a Double sum).
    public static func isFinite(_ tensor: Tensor) -> Bool { tensor.withUnsafeBufferPointer { isFinite($0) } }

    static func isFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
        var sum = 0.0
        for value in values { sum += Double(value) }
        return sum.isFinite
    }
}

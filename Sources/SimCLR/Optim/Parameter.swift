/// A trainable tensor with its gradient: what layers own and optimizers update.
///
/// Layers create their parameters once and keep them; `backward` adds (`+=`) into `gradient`,
/// `zeroGradient()` runs once per step. Optimizers see a flat list of these (STYLE.md §3).
public final class Parameter {
    /// The PyTorch `state_dict` name, e.g. `layer2.conv1.weight`.
    public let name: String
    /// Shape of `value` in the internal layout (may differ from the file layout, e.g. conv
    /// weights; the owning layer converts when exporting).
    public let shape: [Int]
    public var value: [Float]
    public var gradient: [Float]
    /// True for BatchNorm weights/biases and biases: no weight decay (SimCLR, LARS).
    public let excludeFromWeightDecay: Bool
    /// True for BatchNorm weights/biases and biases: no LARS trust-ratio adaptation.
    public let excludeFromAdaptation: Bool

    public init(
        name: String, shape: [Int], value: [Float],
        excludeFromWeightDecay: Bool = false, excludeFromAdaptation: Bool = false
    ) {
        precondition(shape.reduce(1, *) == value.count, "Parameter \(name): shape \(shape) vs \(value.count) values")
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
        self.excludeFromWeightDecay = excludeFromWeightDecay
        self.excludeFromAdaptation = excludeFromAdaptation
    }

    public var count: Int { value.count }

    public func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

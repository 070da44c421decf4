/// The SimCLR projection head g(·) (Chen et al. 2020, arXiv:2002.05709): `Linear(D, D) +
/// BatchNorm1d + ReLU + Linear(D, P)`, state_dict prefix `head.` (`fc1`, `bn`, `fc2`).
public final class ProjectionHead {
    public let fc1: Linear
    /// `head.bn`, with the ReLU fused.
    public let bn: BatchNorm
    public let fc2: Linear

    public init(representationDim: Int, projectionDim: Int, rng: inout SplitMix64) {
        fc1 = Linear(inputFeatures: representationDim, outputFeatures: representationDim, name: "head.fc1", rng: &rng)
        bn = BatchNorm(channels: representationDim, activation: .relu, name: "head.bn")
        fc2 = Linear(inputFeatures: representationDim, outputFeatures: projectionDim, name: "head.fc2", rng: &rng)
    }

    /// A head using `other`'s parameters with activations of its own (see
    /// `Linear.init(sharingParametersOf:)`, `BatchNorm.init(sharingParametersOf:)`).
    public init(sharingParametersOf other: ProjectionHead) {
        fc1 = Linear(sharingParametersOf: other.fc1)
        bn = BatchNorm(sharingParametersOf: other.bn)
        fc2 = Linear(sharingParametersOf: other.fc2)
    }

    /// Trainable parameters in state_dict order.
    public var parameters: [Parameter] { [fc1.weight, fc1.bias, bn.weight, bn.bias, fc2.weight, fc2.bias] }

    /// - Parameter representation: h as `[D, N, 1, 1]`. - Returns: z as `[P, N, 1, 1]`.
    public func forward(_ representation: FeatureMap, mode: ModelMode, timings: LayerTimings? = nil) -> FeatureMap {
        timings.measure("head", backward: false) { fc2.forward(bn.forward(fc1.forward(representation), mode: mode)) }
    }

    /// Adds into every parameter gradient. - Returns: `dL/dh` as `[D, N, 1, 1]`.
    @discardableResult
    public func backward(_ projectionGradient: FeatureMap, timings: LayerTimings? = nil) -> FeatureMap {
        timings.measure("head", backward: true) { fc1.backward(bn.backward(fc2.backward(projectionGradient))) }
    }
}

import SimCLR

/// Random inputs and scalar objectives shared by the layer tests.
enum LayerTestSupport {
    static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var rng = SplitMix64(seed: seed)
        let count = shape.reduce(1, *)
        var data = [Float](repeating: 0, count: count)
        for i in 0..<count { data[i] = (2 * rng.nextFloat() - 1) * scale }
        return Tensor(shape: shape, data: data)
    }

    static func featureMap(nhwc tensor: Tensor) -> FeatureMap {
        let map = FeatureMap()
        map.load(nhwc: tensor)
        return map
    }

    /// `Σ map ⊙ weights` in Double (`weights` in the map's own CNHW order).
    static func dot(_ map: FeatureMap, _ weights: [Float]) -> Double {
        precondition(map.count == weights.count, "dot: \(map.count) vs \(weights.count)")
        var sum = 0.0
        for i in 0..<map.count { sum += Double(map.storage[i]) * Double(weights[i]) }
        return sum
    }

    /// A map shaped like `like` holding `values` (CNHW order).
    static func map(like: FeatureMap, values: [Float]) -> FeatureMap {
        let map = FeatureMap(channels: like.channels, batch: like.batch, height: like.height, width: like.width)
        for i in 0..<values.count { map.storage[i] = values[i] }
        return map
    }

    static func values(_ map: FeatureMap) -> [Float] { Array(UnsafeBufferPointer(start: map.storage, count: map.count)) }
}

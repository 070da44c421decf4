/// Mean over the spatial positions: `[C, N, H, W]` → `[C, N, 1, 1]` (PyTorch `x.mean(dim=(2, 3))`).
public final class GlobalAveragePool {
    /// The output `[C, N, 1, 1]` of the last `forward`.
    public let output = FeatureMap()
    /// `dL/dx` `[C, N, H, W]` of the last `backward`.
    public let inputGradient = FeatureMap()
    private var height = 1, width = 1

    public init() {}

    public func forward(_ input: FeatureMap) -> FeatureMap {
        height = input.height
        width = input.width
        output.resize(channels: input.channels, batch: input.batch, height: 1, width: 1)
        let plane = input.planeSize
        let x = SendableConstPointer(UnsafePointer(input.storage)), y = SendablePointer(output.storage)
        // Each chunk averages its own (c, n) planes.
        Parallel.forEachChunk(output.count, minimumChunk: 64) { range in
            for i in range {
                var sum: Float = 0
                let p = x.base + i * plane
                for j in 0..<plane { sum += p[j] }
                y.base[i] = sum / Float(plane)
            }
        }
        return output
    }

    /// - Returns: `inputGradient`, each plane filled with `outputGradient / (H·W)`.
    @discardableResult
    public func backward(_ outputGradient: FeatureMap) -> FeatureMap {
        precondition(outputGradient.count == output.count, "GlobalAveragePool: output gradient has \(outputGradient.count) elements, output \(output.count)")
        inputGradient.resize(channels: output.channels, batch: output.batch, height: height, width: width)
        let plane = height * width
        let dy = SendableConstPointer(UnsafePointer(outputGradient.storage)), dx = SendablePointer(inputGradient.storage)
        // Each chunk fills its own (c, n) planes.
        Parallel.forEachChunk(output.count, minimumChunk: 64) { range in
            for i in range { (dx.base + i * plane).update(repeating: dy.base[i] / Float(plane), count: plane) }
        }
        return inputGradient
    }
}

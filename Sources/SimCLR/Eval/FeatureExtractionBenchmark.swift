/// Eval-mode feature extraction speed for `simclr bench --only eval`: images/s of h for the
/// default resnet-mini (random init with non-trivial BatchNorm statistics, 28×28×1), the folded
/// path that `probe`, `embed` and `retrieval` use (`FrozenEncoder` → `FoldedResNetMini`, at
/// several task sizes) against the layer-by-layer eval forward of the training model, in the
/// same process and minutes. `Scripts/bench-eval.sh` runs PyTorch's
/// figure for the same model and batch right after it.
public enum FeatureExtractionBenchmark {
    public struct Result: Sendable {
        public var batchSize: Int
        /// `FoldedResNetMini` with its default `imagesPerTask`, what `FrozenEncoder` runs.
        public var imagesPerSecond: Double
        /// The folded path with other task sizes: (images per task, images/s).
        public var imagesPerSecondByTaskSize: [(imagesPerTask: Int, imagesPerSecond: Double)]
        /// `ResNetMini.forward(_:mode: .eval)` layer by layer, h copied out as rows (the path
        /// `FrozenEncoder` took before the folded one).
        public var layerwiseImagesPerSecond: Double
        /// Forward GFLOP per image (2 × multiply-adds of the direct convolutions, no head).
        public var gflopPerImage: Double
        /// `cblas_sgemm` GFLOP/s on 1024³, best of measurements before and after the timings.
        public var sgemmPeakGflops: Double
    }

    /// Times `batches` calls on one batch of `batchSize` N(0, 1) views, best of `repeats` passes
    /// for each path, the paths alternating pass by pass (a shared machine's load falls on all).
    public static func run(batchSize: Int = 512, batches: Int = 4, repeats: Int = 3) throws -> Result {
        let configuration = ResNetMiniConfiguration()
        var rng = SplitMix64(seed: 1)
        let model = try SimCLRModel(configuration: configuration, rng: &rng)
        for (_, bn) in model.encoder.convolutionPairs {
            for c in 0..<bn.channels {
                bn.weight.value[c] = 0.5 + rng.nextFloat()
                bn.bias.value[c] = rng.nextFloat() - 0.5
                bn.runningMean[c] = 0.2 * (rng.nextFloat() - 0.5)
                bn.runningVariance[c] = 0.5 + rng.nextFloat()
            }
        }
        let size = configuration.imageSize
        let views = Tensor(
            shape: [batchSize, size, size, configuration.inputChannels],
            data: (0..<(batchSize * size * size * configuration.inputChannels)).map { _ in Float(rng.nextNormal()) })
        let folded = FoldedResNetMini(model.encoder)
        let defaultTaskSize = folded.imagesPerTask
        let taskSizes = [defaultTaskSize, 8, 32]
        let input = FeatureMap()
        var paths: [() -> Void] = taskSizes.map { taskSize in
            {
                folded.imagesPerTask = taskSize
                _ = folded.representations(ofViews: views)
            }
        }
        paths.append {
            input.load(nhwc: views)
            _ = model.encoder.forward(input, mode: .eval).rowsTensor()
        }
        var best = [Double](repeating: .infinity, count: paths.count)
        var peak = SGEMMBenchmark.gflops(size: 1024, repeats: 2)
        for path in paths { path() }
        for _ in 0..<repeats {
            for (index, path) in paths.enumerated() {
                let start = System.now()
                for _ in 0..<batches { path() }
                best[index] = min(best[index], System.now() - start)
            }
        }
        folded.imagesPerTask = defaultTaskSize
        peak = max(peak, SGEMMBenchmark.gflops(size: 1024, repeats: 2))
        let images = Double(batchSize * batches)
        let multiplyAdds = ModelBenchmark.forwardMultiplyAdds(configuration)
            - configuration.representationDim * (configuration.representationDim + configuration.projectionDim)
        return Result(
            batchSize: batchSize, imagesPerSecond: images / best[0],
            imagesPerSecondByTaskSize: taskSizes.indices.map { (taskSizes[$0], images / best[$0]) },
            layerwiseImagesPerSecond: images / best[taskSizes.count],
            gflopPerImage: 2 * Double(multiplyAdds) / 1e9, sgemmPeakGflops: peak)
    }
}

/// Training-step throughput of the model (forward + backward over all views, no optimizer or
/// loss), for `simclr bench`: views/s, GFLOP/s and the ratio to the sgemm peak measured in the
/// same process, with each layer's share of the time.
public enum ModelBenchmark {
    /// The figures of one run.
    public struct Result: Sendable {
        public var views: Int
        public var steps: Int
        /// The fastest timed step (robust to other processes on a shared machine).
        public var secondsPerStep: Double
        /// The mean over the timed steps.
        public var meanSecondsPerStep: Double
        public var viewsPerSecond: Double
        /// Model GFLOP per view: multiply-adds × 2 of the forward, × 3 for forward + backward.
        public var gflopPerView: Double
        public var achievedGflops: Double
        /// `cblas_sgemm` GFLOP/s on a 1024³ product: the best of measurements taken right before
        /// each timed step and after the last, so that the peak and the fastest step are both
        /// best-of-several samples from the same minutes (on a shared machine a single one can
        /// land in a busy moment).
        public var sgemmPeakGflops: Double
        /// Each layer's forward and backward seconds per step and share of the step.
        public var layers: [(name: String, forwardSeconds: Double, backwardSeconds: Double, share: Double)]

        public var fractionOfPeak: Double { achievedGflops / sgemmPeakGflops }
    }

    /// Forward multiply-adds per view: convolutions `OC·C·K²·OH·OW`, linear layers `in·out`.
    public static func forwardMultiplyAdds(_ configuration: ResNetMiniConfiguration) -> Int {
        let w = configuration.widths, c = configuration.inputChannels
        var size = configuration.imageSize
        func conv(_ input: Int, _ output: Int, _ k: Int, _ outputSize: Int) -> Int { output * input * k * k * outputSize * outputSize }
        var total = conv(c, w[0], 3, size) + 2 * conv(w[0], w[0], 3, size)
        for (input, output) in [(w[0], w[1]), (w[1], w[2])] {
            size = (size - 1) / 2 + 1
            total += conv(input, output, 3, size) + conv(output, output, 3, size) + conv(input, output, 1, size)
        }
        let d = configuration.representationDim
        return total + d * d + d * configuration.projectionDim
    }

    /// Runs `warmupSteps + steps` training steps on random views and times the last `steps`,
    /// each right after an sgemm peak measurement; throughput figures use the fastest step,
    /// layer shares the mean.
    ///
    /// - Parameters:
    ///   - configuration: the model (default: widths 32-64-128, 28×28×1, head 128→128→128).
    ///   - views: 2N, the views per step.
    public static func run(
        configuration: ResNetMiniConfiguration = .init(), views: Int = 512, steps: Int = 6, warmupSteps: Int = 1
    ) throws -> Result {
        var rng = SplitMix64(seed: 1)
        let model = try SimCLRModel(configuration: configuration, rng: &rng)
        let size = configuration.imageSize, channels = configuration.inputChannels
        var input = Tensor(shape: [views, size, size, channels])
        for i in 0..<input.count { input.data[i] = rng.nextFloat() * 2 - 1 }
        var zGradient = Tensor(shape: [views, configuration.projectionDim])
        for i in 0..<zGradient.count { zGradient.data[i] = (rng.nextFloat() - 0.5) * 1e-3 }
        func step() {
            model.zeroGradients()
            _ = model.forward(input, mode: .train)
            model.backward(zGradient: zGradient)
        }
        for _ in 0..<warmupSteps { step() }
        let timings = LayerTimings()
        model.timings = timings
        var fastest = Double.infinity, total = 0.0, peak = 0.0
        for _ in 0..<steps {
            peak = max(peak, SGEMMBenchmark.gflops(size: 1024, repeats: 2))
            let start = System.now()
            step()
            let elapsed = System.now() - start
            fastest = min(fastest, elapsed)
            total += elapsed
        }
        let perStep = total / Double(steps)
        peak = max(peak, SGEMMBenchmark.gflops(size: 1024, repeats: 2))
        let gflopPerView = 6 * Double(forwardMultiplyAdds(configuration)) / 1e9
        let viewsPerSecond = Double(views) / fastest
        let layers = timings.entries.map { entry in
            (entry.name, entry.forwardSeconds / Double(steps), entry.backwardSeconds / Double(steps),
             (entry.forwardSeconds + entry.backwardSeconds) / Double(steps) / perStep)
        }
        return Result(
            views: views, steps: steps, secondsPerStep: fastest, meanSecondsPerStep: perStep, viewsPerSecond: viewsPerSecond,
            gflopPerView: gflopPerView, achievedGflops: gflopPerView * viewsPerSecond, sgemmPeakGflops: peak,
            layers: layers)
    }
}

/// Speed figures of the evaluation path for `simclr bench --only probe`, measured in-process
/// beside the sgemm peak so they read as ratios on any machine.
public enum ProbeBenchmark {
    /// Feature extraction and probe fit figures:
    /// - `extract_images_per_second`: eval-mode h of the default resnet-mini (random init,
    ///   28×28×1, batches of 256), best of `repeats` passes over 1,024 images;
    /// - `fit_seconds`, `fit_cpu_seconds`, `fit_iterations`, `fit_evaluations`: the linear probe
    ///   on 60,000 × 128 synthetic features, 10 classes (overlapping Gaussian classes, so L-BFGS
    ///   runs a realistic number of iterations), C = 1, tol 1e-4;
    /// - `fit_gflops`: 4·n·D·K flops per objective evaluation over the fit time, and
    ///   `fit_fraction_of_sgemm_peak` against `sgemm_gflops_1024` measured here;
    /// - `knn_queries_per_second`: weighted kNN (k = 200) of 2,000 queries against the 60,000.
    public static func run(repeats: Int = 2) throws -> [String: Double] {
        var figures: [String: Double] = [:]
        let peak = SGEMMBenchmark.gflops(size: 1024)
        figures["sgemm_gflops_1024"] = peak

        let description = EncoderDescription(
            configuration: ResNetMiniConfiguration(), normalization: .fashionMNIST, initializationSeed: 0)
        let encoder = try FrozenEncoder.randomInit(description: description, seed: 0)
        var rng = SplitMix64(seed: 1)
        let views = Tensor(shape: [256, 28, 28, 1], data: (0..<(256 * 28 * 28)).map { _ in Float(rng.nextNormal()) })
        _ = encoder.representations(ofViews: views)
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = System.now()
            for _ in 0..<4 { _ = encoder.representations(ofViews: views) }
            best = min(best, System.now() - start)
        }
        figures["extract_images_per_second"] = 1024 / best

        let (features, labels) = syntheticFeatures(count: 60_000, dimension: 128, classCount: 10, seed: 2)
        let probe = LinearProbe.train(features: features, labels: labels, classCount: 10)
        let summary = probe.summary
        figures["fit_seconds"] = summary.seconds
        figures["fit_cpu_seconds"] = summary.cpuSeconds
        figures["fit_iterations"] = Double(summary.iterations)
        figures["fit_evaluations"] = Double(summary.evaluations)
        let gflops = 4 * 60_000 * 128 * 10 * Double(summary.evaluations) / summary.seconds / 1e9
        figures["fit_gflops"] = gflops
        figures["fit_fraction_of_sgemm_peak"] = gflops / peak

        let queries = Tensor(shape: [2_000, 128], data: Array(features.data[0..<(2_000 * 128)]))
        let start = System.now()
        _ = WeightedKNNClassifier(trainFeatures: features, labels: labels, classCount: 10).scores(for: queries)
        figures["knn_queries_per_second"] = 2_000 / (System.now() - start)
        return figures
    }

    /// `count` features `[count, dimension]` with correlated coordinates, like an encoder's h:
    /// x = relu(A·(μ_y + ε)) + 0.1·η with a random `[dimension, 32]` mixing A, class means μ_y ~ N(0, 0.5²) and
    /// noise ε, η ~ N(0, 1); labels cycle through the classes. The low-rank within-class
    /// covariance makes the problem ill-conditioned, as real features are.
    static func syntheticFeatures(count: Int, dimension: Int, classCount: Int, seed: UInt64) -> (Tensor, [Int]) {
        let latent = 32
        var rng = SplitMix64(seed: seed)
        let mixing = (0..<(dimension * latent)).map { _ in Float(rng.nextNormal()) }
        let means = (0..<(classCount * latent)).map { _ in 0.5 * Float(rng.nextNormal()) }
        var data = [Float](repeating: 0, count: count * dimension)
        let labels = (0..<count).map { $0 % classCount }
        var code = [Float](repeating: 0, count: latent)
        for row in 0..<count {
            for l in 0..<latent { code[l] = means[labels[row] * latent + l] + Float(rng.nextNormal()) }
            for j in 0..<dimension {
                var value: Float = 0
                for l in 0..<latent { value += mixing[j * latent + l] * code[l] }
                data[row * dimension + j] = max(value, 0) + 0.1 * Float(rng.nextNormal())
            }
        }
        return (Tensor(shape: [count, dimension], data: data), labels)
    }
}

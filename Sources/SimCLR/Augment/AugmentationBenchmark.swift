#if canImport(Glibc)
import Glibc
#endif

/// Measures augmentation throughput on a synthetic in-memory dataset, for `simclr bench`.
public enum AugmentationBenchmark {
    /// Views per second of wall time, and per second of this process's CPU time (all threads;
    /// steadier than wall time on a shared machine).
    public struct Throughput: Sendable {
        public var viewsPerSecond: Double
        public var viewsPerCPUSecond: Double
    }

    /// Views per second rendered by `ViewBatchLoader` (producer thread, `Parallel.workerCount`
    /// chunks) on `imageCount` random images of `height × width × channels`, consumed as fast as
    /// they come, over at least `seconds` of wall time after one warm-up batch.
    /// The producer keeps rendering ahead during the CPU-time window, so `viewsPerCPUSecond` can
    /// be off by up to the queue's batches over the window.
    ///
    /// - Throws: `AugmentationError` if `config` does not fit the channel count.
    public static func viewsPerSecond(
        height: Int, width: Int, channels: Int, config: AugmentationConfig,
        batchSize: Int = 256, imageCount: Int = 2048, seconds: Double = 1
    ) throws(AugmentationError) -> Throughput {
        var rng = SplitMix64(seed: 1)
        let images = (0..<imageCount).map { _ in
            DecodedImage(width: width, height: height, channels: channels,
                         pixels: (0..<(height * width * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let dataset = ImageDataset(
            classNames: ["synthetic"], samples: (0..<imageCount).map { .init(relativePath: "\($0).png", label: 0) },
            images: images, channels: channels)
        let loader = try ViewBatchLoader(dataset: dataset, config: config, batchSize: batchSize, seed: 7, epochs: Int.max)
        defer { loader.close() }
        _ = loader.next()
        let start = System.now(), cpuStart = processCPUSeconds()
        var views = 0
        while System.now() - start < seconds, let batch = loader.next() {
            views += batch.views.shape[0]
        }
        return Throughput(
            viewsPerSecond: Double(views) / (System.now() - start),
            viewsPerCPUSecond: Double(views) / (processCPUSeconds() - cpuStart))
    }

    private static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

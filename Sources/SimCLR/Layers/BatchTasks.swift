/// The fixed split of a batch into the tasks a convolution runs on the cores
/// (`Parallel.forEachTask`): each task takes a contiguous range of images through the whole
/// layer with single-threaded sgemm, and leaves its part of the weight gradient in its own
/// partial sum, added in task order at the end.
///
/// The split depends on the batch size alone, never on the worker count, so every output and
/// gradient is bit-identical for any number of workers.
enum BatchTasks {
    /// At most this many tasks: enough for dynamic load balance on a few cores, few enough that
    /// each task's products stay large (32 images per task at 512 views).
    static let maximumCount = 16

    /// Tasks for a batch of `batch` images: `min(batch, maximumCount)`.
    static func count(batch: Int) -> Int { min(batch, maximumCount) }

    /// The images of task `task` out of `count` over a batch of `batch`.
    static func images(task: Int, count: Int, batch: Int) -> Range<Int> {
        batch * task / count..<batch * (task + 1) / count
    }

    /// `total[i] += Σ_t partials[t · length + i]` with t = 0, 1, … in order (the same sum for
    /// any worker count); parallel over i.
    static func addPartials(
        _ partials: UnsafePointer<Float>, tasks: Int, length: Int, into total: UnsafeMutablePointer<Float>
    ) {
        let source = SendableConstPointer(partials), target = SendablePointer(total)
        // Each chunk owns the elements i of its range.
        Parallel.forEachChunk(length, minimumChunk: 4096) { range in
            for t in 0..<tasks {
                let partial = source.base + t * length
                for i in range { target.base[i] += partial[i] }
            }
        }
    }
}

import Synchronization

/// Decodes many PNG files on all cores (`Parallel.workerCount` chunks).
public enum PNGBatchDecoder {
    /// Decodes `paths[i]` into `results[i]`.
    ///
    /// With `stopAtFirstError`, work stops once a file fails, but every file before the first
    /// failing one (in `paths` order) is still decoded, so the first failure reported does not
    /// depend on the thread count; later entries may be `nil` (not attempted).
    /// `progress(done, total)` is called from worker threads about every 1% of the files.
    public static func decode(
        paths: [String], maximumPixels: Int = PNG.defaultMaximumPixels, stopAtFirstError: Bool = false,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) -> [Result<DecodedImage, PNGError>?] {
        let total = paths.count
        guard total > 0 else { return [] }
        let results = UnsafeMutableBufferPointer<Result<DecodedImage, PNGError>?>.allocate(capacity: total)
        results.initialize(repeating: nil)
        defer {
            // The images and errors were copied into the returned array: release these copies.
            results.deinitialize()
            results.deallocate()
        }
        let output = SendablePointer(results.baseAddress!)
        let done = Atomic<Int>(0)
        let firstFailure = Atomic<Int>(Int.max)
        let reportEvery = max(1, total / 100)
        // Chunks are disjoint index ranges, so each `output.base[i]` is written by one thread.
        Parallel.forEachChunk(total) { range in
            for index in range {
                if stopAtFirstError && index > firstFailure.load(ordering: .relaxed) { break }
                let result: Result<DecodedImage, PNGError>
                do throws(PNGError) { result = .success(try PNG.decode(path: paths[index], maximumPixels: maximumPixels)) } catch {
                    result = .failure(error)
                    firstFailure.min(index, ordering: .relaxed)
                }
                (output.base + index).pointee = result
                let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
                if let progress, finished % reportEvery == 0 || finished == total { progress(finished, total) }
            }
        }
        return Array(results)
    }
}

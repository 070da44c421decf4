/// Which images each batch holds and which random stream each view draws from.
///
/// Every epoch is a fresh seeded permutation of the dataset cut into batches of `batchSize`
/// consecutive entries, so no image appears twice in a batch; with `dropLast` the remainder is
/// skipped (PyTorch `DataLoader(shuffle=True, drop_last=True)`). View `v` (0 or 1; 2, 3, … for
/// the small multi-crop views) of image `i` in epoch `e` draws from its own stream derived from
/// `(seed, e, i, v)`, so the pixels of a batch do not depend on how the work is split over
/// threads, and adding small views leaves the full-size ones unchanged.
public struct ViewBatchSchedule: Sendable, Equatable {
    public let imageCount: Int
    public let batchSize: Int
    public let dropLast: Bool
    public let seed: UInt64
    /// Class-balanced batches instead of the shuffled epoch (`--samples-per-class`); nil: shuffled.
    public let sampler: ClassBalancedSampler?

    /// - Throws: `AugmentationError.notEnoughImages` when an epoch would have no batch;
    ///   `.invalidParameter` for a batch size below 1.
    public init(
        imageCount: Int, batchSize: Int, dropLast: Bool = true, seed: UInt64, sampler: ClassBalancedSampler? = nil
    ) throws(AugmentationError) {
        guard batchSize >= 1 else { throw .invalidParameter(name: "batchSize", value: "\(batchSize)", expected: "at least 1") }
        guard imageCount >= (dropLast ? batchSize : 1) else { throw .notEnoughImages(count: imageCount, batchSize: batchSize) }
        self.imageCount = imageCount
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.seed = seed
        self.sampler = sampler
    }

    /// Batches in one epoch: `⌊count / batchSize⌋` with `dropLast`, `⌈count / batchSize⌉` otherwise.
    public var batchesPerEpoch: Int {
        dropLast ? imageCount / batchSize : (imageCount + batchSize - 1) / batchSize
    }

    /// The shuffled order of all image indices in `epoch`.
    public func permutation(epoch: Int) -> [Int] {
        var rng = SplitMix64(seed: seed).derived(2).derived(UInt64(epoch))
        return AugmentationRandom.permutation(imageCount, using: &rng)
    }

    /// Image indices of batch `step` of an epoch whose order is `permutation`.
    public func imageIndices(step: Int, permutation: [Int]) -> [Int] {
        precondition(step >= 0 && step < batchesPerEpoch, "ViewBatchSchedule: step \(step) of \(batchesPerEpoch)")
        let start = step * batchSize
        return Array(permutation[start..<min(start + batchSize, imageCount)])
    }

    /// Image indices of batch `step` of `epoch`: from the sampler when there is one, else from
    /// `permutation` (the epoch's `permutation(epoch:)`, computed once per epoch by the caller).
    public func imageIndices(epoch: Int, step: Int, permutation: @autoclosure () -> [Int]) -> [Int] {
        if let sampler {
            precondition(step >= 0 && step < batchesPerEpoch, "ViewBatchSchedule: step \(step) of \(batchesPerEpoch)")
            return sampler.imageIndices(epoch: epoch, step: step)
        }
        return imageIndices(step: step, permutation: permutation())
    }

    /// The random stream of view `view` (0 or 1 full-size, `2 + j` small view j) of dataset image
    /// `image` in `epoch`.
    public func viewGenerator(epoch: Int, image: Int, view: Int) -> SplitMix64 {
        SplitMix64(seed: seed).derived(1).derived(UInt64(epoch)).derived(UInt64(image)).derived(UInt64(view))
    }
}

/// Class-balanced batches, the semantics of pytorch-metric-learning's `MPerClassSampler(labels,
/// m, batch_size)`: every batch takes batch size / M distinct classes in random order and M
/// distinct random images of each, so every image in a batch has M − 1 others of its class.
/// Each batch is drawn afresh (an image may come back in the next batch or not at all in an
/// epoch); an epoch has as many batches as a shuffled epoch of the same dataset.
///
/// Batch `step` of `epoch` draws from its own stream derived from `(seed, epoch, step)`, so any
/// batch can be produced without the ones before it: a resumed run continues with exactly the
/// batches that would have followed (as `ViewBatchSchedule`'s shuffled order).
public struct ClassBalancedSampler: Sendable, Equatable {
    /// M, images of each class in a batch.
    public let samplesPerClass: Int
    /// Images per batch, a multiple of M.
    public let batchSize: Int
    /// The dataset indices of each non-empty class, in class order (empty classes take no part).
    public let classMembers: [[Int]]
    public let seed: UInt64

    /// - Parameter labels: the class of every dataset image (`ImageDataset.labels`).
    /// - Throws: `AugmentationError.invalidParameter` when M < 1, the batch size is not a
    ///   multiple of M, a class has fewer than M images, or there are fewer than batch size / M
    ///   classes (`TrainingConfiguration.validate(dataset:)` says the same earlier, naming flags).
    public init(labels: [Int], samplesPerClass: Int, batchSize: Int, seed: UInt64) throws(AugmentationError) {
        guard samplesPerClass >= 1, batchSize >= samplesPerClass, batchSize % samplesPerClass == 0 else {
            throw .invalidParameter(
                name: "samplesPerClass", value: "\(samplesPerClass)", expected: "at least 1 and a divisor of the batch size \(batchSize)")
        }
        var members = [[Int]](repeating: [], count: (labels.max() ?? -1) + 1)
        for (index, label) in labels.enumerated() {
            precondition(label >= 0, "ClassBalancedSampler: negative label \(label) at \(index)")
            members[label].append(index)
        }
        members.removeAll { $0.isEmpty }
        if let smallest = members.map(\.count).min(), smallest < samplesPerClass {
            throw .invalidParameter(
                name: "samplesPerClass", value: "\(samplesPerClass)", expected: "at most the smallest class (\(smallest) images)")
        }
        guard batchSize / samplesPerClass <= members.count else {
            throw .invalidParameter(
                name: "samplesPerClass", value: "\(samplesPerClass)",
                expected: "a batch of \(batchSize) needs \(batchSize / samplesPerClass) classes; there are \(members.count)")
        }
        self.samplesPerClass = samplesPerClass
        self.batchSize = batchSize
        classMembers = members
        self.seed = seed
    }

    /// The dataset indices of batch `step` of `epoch`: M images of the first class drawn, then M
    /// of the second, and so on.
    public func imageIndices(epoch: Int, step: Int) -> [Int] {
        var rng = SplitMix64(seed: seed).derived(3).derived(UInt64(epoch)).derived(UInt64(step))
        var classes = Array(classMembers.indices)
        var indices: [Int] = []
        indices.reserveCapacity(batchSize)
        for position in 0..<(batchSize / samplesPerClass) {
            // Partial Fisher–Yates: position k takes a random class among those not yet taken.
            classes.swapAt(position, position + AugmentationRandom.index(below: classes.count - position, using: &rng))
            Self.draw(samplesPerClass, from: classMembers[classes[position]], using: &rng, into: &indices)
        }
        return indices
    }

    /// Appends `count` distinct random elements of `members`: Floyd's algorithm for a few of many
    /// (no copy of the class), a partial Fisher–Yates on a copy otherwise.
    static func draw(_ count: Int, from members: [Int], using rng: inout SplitMix64, into indices: inout [Int]) {
        let n = members.count, first = indices.count
        if count <= 32 && 4 * count <= n {
            for j in (n - count)..<n {
                let t = AugmentationRandom.index(below: j + 1, using: &rng)
                let pick = indices[first...].contains(members[t]) ? members[j] : members[t]
                indices.append(pick)
            }
        } else {
            var pool = members
            for k in 0..<count {
                pool.swapAt(k, k + AugmentationRandom.index(below: n - k, using: &rng))
                indices.append(pool[k])
            }
        }
    }
}

/// Which share of every batch one process renders and trains on: the global batch of N images is
/// cut into K contiguous parts, the first N mod K of them one image longer (N = 64 on 3 processes:
/// 22, 21, 21). The views of an image depend only on (seed, epoch, image), never on K.
public struct BatchPart: Sendable, Equatable {
    /// This process's index, 0..<count.
    public let rank: Int
    /// K, the number of parts.
    public let count: Int

    /// The whole batch (one process).
    public static let whole = BatchPart(rank: 0, count: 1)

    /// - Precondition: `0 <= rank < count`.
    public init(rank: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(rank), "BatchPart: rank \(rank) of \(count)")
        self.rank = rank
        self.count = count
    }

    /// The image count of every part of a batch of `n` images, in rank order.
    public func sizes(of n: Int) -> [Int] {
        (0..<count).map { n / count + ($0 < n % count ? 1 : 0) }
    }

    /// The positions of this part in a batch of `n` images.
    public func range(of n: Int) -> Range<Int> {
        let sizes = sizes(of: n)
        let start = sizes[..<rank].reduce(0, +)
        return start..<(start + sizes[rank])
    }
}

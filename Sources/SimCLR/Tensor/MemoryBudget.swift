import Foundation

/// The one rule for sizes that come from outside (flags, file headers): multiply them with
/// overflow-safe arithmetic and compare the bytes they would need with a stated limit, before the
/// first allocation. A product that overflows counts as "more than any limit".
public enum MemoryBudget {
    /// The most bytes one buffer or one run may ask for: half of this machine's RAM.
    public static var limitBytes: UInt64 { ProcessInfo.processInfo.physicalMemory / 2 }

    /// The most worker threads `--threads` may ask for: 4 per core, at least 8.
    public static var maximumThreads: Int { max(8, 4 * System.coreCount) }

    /// The product of `factors`, or nil if one is negative or the product overflows `Int`.
    public static func product(_ factors: [Int]) -> Int? {
        var total = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (value, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            total = value
        }
        return total
    }

    /// The bytes of `factors.product × bytesPerElement`, or nil on overflow / negative factors.
    public static func bytes(_ factors: [Int], bytesPerElement: Int) -> Int? {
        product(factors + [bytesPerElement])
    }

    /// Whether `factors.product × bytesPerElement` bytes fit in `limit` (default `limitBytes`),
    /// computed without overflow.
    public static func fits(_ factors: [Int], bytesPerElement: Int, limit: UInt64 = limitBytes) -> Bool {
        guard let bytes = bytes(factors, bytesPerElement: bytesPerElement) else { return false }
        return UInt64(bytes) <= limit
    }

    /// "12.0 GiB" for messages.
    public static func describe(_ bytes: UInt64) -> String {
        String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
    }
}

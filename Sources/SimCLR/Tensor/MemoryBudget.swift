import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The one rule for sizes that come from outside (flags, file headers): multiply them with
/// overflow-safe arithmetic and compare the bytes they would need with a stated limit, before the
/// first allocation. A product that overflows counts as "more than any limit".
public enum MemoryBudget {
    /// The most bytes one buffer or one run may ask for: half of this machine's RAM.
    public static var limitBytes: UInt64 { ProcessInfo.processInfo.physicalMemory / 2 }

    /// The most worker threads `--threads` may ask for: 4 per core, at least 8.
    public static var maximumThreads: Int { max(8, 4 * System.coreCount) }

    /// The process's address-space limit (`ulimit -v`, RLIMIT_AS) in bytes; nil when unlimited.
    public static var addressSpaceLimit: UInt64? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return UInt64(limit.rlim_cur)
    }

    /// Address space OpenBLAS (0.3, x86-64) reserves for every thread that calls it: its work
    /// buffer, 128 MiB. When it cannot get one it retries forever instead of failing.
    public static let blasBufferBytes: UInt64 = 128 << 20

    /// Address space the runtime, libraries and the loaded program take before any data (measured
    /// with `ulimit -v`: a run with 1 thread starts in about 700 MiB).
    public static let baseAddressSpaceBytes: UInt64 = 768 << 20

    /// The address space `threads` workers need for BLAS buffers (the elementwise workers and
    /// OpenBLAS's own threads each hold one, plus the main thread), if it exceeds `ulimit -v`:
    /// the run would otherwise hang inside OpenBLAS. Returns (needed, limit) when it does not fit.
    public static func threadsExceedAddressSpace(_ threads: Int) -> (needed: UInt64, limit: UInt64)? {
        guard let limit = addressSpaceLimit else { return nil }
        let needed = baseAddressSpaceBytes + UInt64(2 * max(threads, 1) + 1) * blasBufferBytes
        return needed > limit ? (needed, limit) : nil
    }

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

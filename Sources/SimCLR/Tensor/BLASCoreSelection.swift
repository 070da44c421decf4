#if canImport(Glibc)
import Glibc
#endif

/// The CPU features that decide which OpenBLAS kernels can run, as the kernel reports them in
/// `/proc/cpuinfo` (cpuid bits, masked by what the OS enables).
public struct CPUFeatures: Sendable, Equatable {
    public enum Vendor: Sendable, Equatable { case intel, amd, other }

    public var vendor: Vendor
    public var avx2: Bool
    public var fma: Bool
    /// AVX-512 Foundation plus the BW/DQ/VL subsets OpenBLAS's SkylakeX kernels use.
    public var avx512f: Bool
    public var avx512bw: Bool
    public var avx512dq: Bool
    public var avx512vl: Bool

    public init(vendor: Vendor, avx2: Bool = false, fma: Bool = false, avx512f: Bool = false,
                avx512bw: Bool = false, avx512dq: Bool = false, avx512vl: Bool = false) {
        self.vendor = vendor
        self.avx2 = avx2
        self.fma = fma
        self.avx512f = avx512f
        self.avx512bw = avx512bw
        self.avx512dq = avx512dq
        self.avx512vl = avx512vl
    }

    /// Parses the first processor's `vendor_id` and `flags` lines of `/proc/cpuinfo` text.
    public static func parse(cpuinfo: String) -> CPUFeatures {
        var vendor = Vendor.other
        var flags = Set<Substring>()
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: " \t"), value = parts[1].trimmingCharacters(in: " \t")
            if key == "vendor_id", vendor == .other {
                vendor = value == "GenuineIntel" ? .intel : value == "AuthenticAMD" ? .amd : .other
            } else if key == "flags", flags.isEmpty {
                flags = Set(value.split(separator: " "))
            }
        }
        return CPUFeatures(
            vendor: vendor, avx2: flags.contains("avx2"), fma: flags.contains("fma"),
            avx512f: flags.contains("avx512f"), avx512bw: flags.contains("avx512bw"),
            avx512dq: flags.contains("avx512dq"), avx512vl: flags.contains("avx512vl"))
    }

    /// This machine's features (all false when `/proc/cpuinfo` cannot be read).
    public static var current: CPUFeatures {
        guard let file = fopen("/proc/cpuinfo", "r") else { return CPUFeatures(vendor: .other) }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            text += line
            if line.hasPrefix("flags") { break }  // the first processor is enough
        }
        return parse(cpuinfo: text)
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}

/// Picks OpenBLAS kernels when the library's own CPU detection falls back to generic ones.
///
/// Debian's OpenBLAS 0.3.21 does not recognise some newer CPUs and reports e.g. `Prescott`
/// (`openblas_get_corename()`), which runs sgemm about 4–5x slower than `SkylakeX` on an
/// AVX-512 Xeon. The kernels are chosen when the library loads, so the fix is to run again with
/// `OPENBLAS_CORETYPE` set (see `simclr`'s start-up).
public enum BLASCoreSelection {
    /// OpenBLAS core names (as `openblas_get_corename()` spells them) without AVX2/FMA kernels.
    public static let genericCores: Set<String> = [
        "unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2",
        "penryn", "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona",
        "nano", "sandybridge", "bobcat", "bulldozer", "piledriver", "steamroller",
    ]

    /// The core type to run with instead of `currentCore`, or `nil` to keep it.
    ///
    /// Only a generic core is replaced: with AVX-512 F/BW/DQ/VL → `SkylakeX`; else with
    /// AVX2 + FMA → `Zen` on AMD, `Haswell` otherwise. Names are compared case-insensitively;
    /// unknown names (newer OpenBLAS) are left alone.
    public static func recommendedCore(currentCore: String, features: CPUFeatures) -> String? {
        guard genericCores.contains(currentCore.lowercased()) else { return nil }
        if features.avx512f && features.avx512bw && features.avx512dq && features.avx512vl { return "SkylakeX" }
        if features.avx2 && features.fma { return features.vendor == .amd ? "Zen" : "Haswell" }
        return nil
    }

    /// Whether one small, odd-sized sgemm (67×61 · 61×53, which exercises the kernels' edge
    /// cases) agrees with a naive Double-accumulated product to 1e-4 relative.
    public static func sgemmMatchesNaiveProduct() -> Bool {
        let m = 67, k = 61, n = 53
        var rng = SplitMix64(seed: 2024)
        let a = (0..<(m * k)).map { _ in rng.nextFloat() - 0.5 }
        let b = (0..<(k * n)).map { _ in rng.nextFloat() - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { cp in
            BLAS.sgemm(.none, .none, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: cp.baseAddress!, ldc: n)
        }
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, scale = 0.0
                for p in 0..<k {
                    sum += Double(a[i * k + p]) * Double(b[p * n + j])
                    scale += abs(Double(a[i * k + p]) * Double(b[p * n + j]))
                }
                guard abs(Double(c[i * n + j]) - sum) <= 1e-4 * max(scale, 1e-3) else { return false }
            }
        }
        return true
    }
}

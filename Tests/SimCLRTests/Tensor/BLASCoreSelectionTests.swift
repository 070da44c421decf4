import SimCLR
import Testing

@Suite struct BLASCoreSelectionTests {
    static let xeon = CPUFeatures(vendor: .intel, avx2: true, fma: true, avx512f: true, avx512bw: true, avx512dq: true, avx512vl: true)
    static let epyc = CPUFeatures(vendor: .amd, avx2: true, fma: true)
    static let haswell = CPUFeatures(vendor: .intel, avx2: true, fma: true)
    static let old = CPUFeatures(vendor: .intel)

    @Test(arguments: [
        ("Prescott", xeon, "SkylakeX"),       // the case of issue 2: Xeon with AVX-512
        ("prescott", xeon, "SkylakeX"),       // names compared case-insensitively
        ("Core2", haswell, "Haswell"),
        ("Nehalem", epyc, "Zen"),
        ("Sandybridge", haswell, "Haswell"),  // AVX without AVX2 kernels
        ("Prescott", old, nil),                // nothing better to offer
        ("Zen", epyc, nil),                    // this machine: already right
        ("Haswell", xeon, nil),                // not generic: left alone
        ("SkylakeX", xeon, nil),
        ("Sapphirerapids2030", xeon, nil),     // unknown (newer) names: left alone
    ] as [(String, CPUFeatures, String?)])
    func decision(core: String, features: CPUFeatures, expected: String?) {
        #expect(BLASCoreSelection.recommendedCore(currentCore: core, features: features) == expected)
    }

    /// AVX-512F alone (without BW/DQ/VL) is not enough for the SkylakeX kernels.
    @Test func avx512SubsetsRequired() {
        var features = Self.xeon
        features.avx512bw = false
        #expect(BLASCoreSelection.recommendedCore(currentCore: "Prescott", features: features) == "Haswell")
    }

    @Test func parsesCpuinfo() {
        let text = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            flags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl
            processor\t: 1
            vendor_id\t: AuthenticAMD
            flags\t\t: fpu
            """
        #expect(CPUFeatures.parse(cpuinfo: text) == Self.xeon)
        #expect(CPUFeatures.parse(cpuinfo: "vendor_id : AuthenticAMD\nflags : avx2 fma") == Self.epyc)
        #expect(CPUFeatures.parse(cpuinfo: "") == CPUFeatures(vendor: .other))
    }

    @Test func sgemmCheckPassesWithTheLoadedKernels() {
        #expect(BLASCoreSelection.sgemmMatchesNaiveProduct())
    }
}

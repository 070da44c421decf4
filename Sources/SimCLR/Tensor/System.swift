#if canImport(Glibc)
import Glibc
#endif

/// Facts about the machine the process runs on.
public enum System {
    /// Online processor count (`sysconf(_SC_NPROCESSORS_ONLN)`).
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Peak resident set size of this process so far, in bytes (`getrusage`, `ru_maxrss`).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Monotonic time in seconds, for measuring durations.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

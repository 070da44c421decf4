#if canImport(Glibc)
import Glibc
#endif

/// CPU time used by this process so far (user + system, all threads), in seconds
/// (`getrusage(RUSAGE_SELF)`): a fairer speed figure than wall time on a shared machine.
enum ProcessCPUTime {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

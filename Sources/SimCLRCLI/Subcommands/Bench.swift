import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print performance figures as JSON (sgemm peak measured in the same process).")

        @OptionGroup var runtime: RuntimeOptions

        @Option(help: "Comma-separated sections to run (default: all): \(Section.allCases.map(\.rawValue).joined(separator: ","))")
        var only: String?

        enum Section: String, CaseIterable {
            case sgemm
            case model
        }

        func run() throws {
            runtime.apply()
            let sections = try only.map { list in
                try list.split(separator: ",").map { name -> Section in
                    guard let section = Section(rawValue: String(name)) else {
                        throw ValidationError("unknown bench section '\(name)'")
                    }
                    return section
                }
            } ?? Section.allCases
            var report: [String: Any] = [
                "threads": runtime.threads,
                "blas_core": BLAS.coreName,
                "blas_config": BLAS.config,
            ]
            for section in sections {
                switch section {
                case .sgemm:
                    report["sgemm_gflops"] = [
                        "1024": SGEMMBenchmark.gflops(size: 1024),
                        "2048": SGEMMBenchmark.gflops(size: 2048, repeats: 3),
                    ]
                case .model:
                    let result = try ModelBenchmark.run()
                    report["model"] = [
                        "views_per_step": result.views,
                        "seconds_per_step": result.secondsPerStep,
                        "mean_seconds_per_step": result.meanSecondsPerStep,
                        "views_per_second": result.viewsPerSecond,
                        "gflop_per_view": result.gflopPerView,
                        "achieved_gflops": result.achievedGflops,
                        "sgemm_peak_gflops": result.sgemmPeakGflops,
                        "fraction_of_sgemm_peak": result.fractionOfPeak,
                        "layers": result.layers.map { layer in
                            ["name": layer.name, "forward_ms": layer.forwardSeconds * 1e3,
                             "backward_ms": layer.backwardSeconds * 1e3, "share": layer.share] as [String: Any]
                        },
                    ] as [String: Any]
                }
            }
            let data = try JSONSerialization.data(
                withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

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
            case augment
            case probe
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
                case .augment:
                    // Pipelined loader, batch 256 (512 views), presets fashion-mnist and cifar.
                    report["augment_views_per_second"] = [
                        "28x28x1": try AugmentationBenchmark.viewsPerSecond(
                            height: 28, width: 28, channels: 1, config: .preset(named: "fashion-mnist")),
                        "32x32x3": try AugmentationBenchmark.viewsPerSecond(
                            height: 32, width: 32, channels: 3, config: .preset(named: "cifar")),
                    ]
                case .probe:
                    report["probe"] = try ProbeBenchmark.run()
                }
            }
            let data = try JSONSerialization.data(
                withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

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

        @Option(help: "ImageFolder decoded by the png section.")
        var pngDataset = "datasets/fashion-mnist-mini/train"

        enum Section: String, CaseIterable {
            case sgemm
            case augment
            case png
            case ntxent
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
                "blas_core_source": BLASCoreLauncher.source,
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
                    var augment: [String: Any] = [:]
                    for (key, h, w, c, preset) in [("28x28x1", 28, 28, 1, "fashion-mnist"), ("32x32x3", 32, 32, 3, "cifar")] {
                        let throughput = try AugmentationBenchmark.viewsPerSecond(
                            height: h, width: w, channels: c, config: .preset(named: preset))
                        augment[key] = [
                            "preset": preset, "views_per_second": throughput.viewsPerSecond,
                            "views_per_cpu_second": throughput.viewsPerCPUSecond,
                        ]
                    }
                    report["augment"] = augment
                case .png:
                    let result = try PNGDecodeBenchmark.measure(root: pngDataset)
                    report["png"] = [
                        "dataset": pngDataset,
                        "images": result.images,
                        "decode_images_per_second": result.decodeImagesPerSecond,
                        "load_images_per_second": result.loadImagesPerSecond,
                    ]
                case .ntxent:
                    report["ntxent"] = try ntxentReport()
                case .probe:
                    report["probe"] = try ProbeBenchmark.run()
                }
            }
            let data = try JSONSerialization.data(
                withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }

        /// NT-Xent forward + backward for 2N ∈ {512, 4096, 32768, 65536}, P = 128, against the
        /// sgemm peak measured here (increasing sizes, so each peak-memory figure is a new peak).
        private func ntxentReport() throws -> [String: Any] {
            let peak = SGEMMBenchmark.gflops(size: 2048, repeats: 3)
            var rows: [[String: Any]] = []
            for views in [512, 4096, 32768, 65536] {
                let m = try NTXentBenchmark.measure(views: views, repeats: views <= 4096 ? 5 : 1)
                rows.append([
                    "views": m.views, "dimension": m.dimension, "block_rows": m.blockRows,
                    "seconds": m.seconds, "gflops": m.gigaflops, "fraction_of_sgemm_peak": m.gigaflops / peak,
                    "workspace_mib": Double(m.workspaceBytes) / 1048576,
                    "peak_extra_resident_mib": Double(m.peakExtraResidentBytes) / 1048576,
                    "loss": Double(m.loss),
                ])
            }
            return [
                "sgemm_peak_gflops": peak, "flops_per_call": "6*(2N)^2*P (three sgemms)",
                "logit_block_mib": NTXentLoss.defaultLogitBlockBytes >> 20, "sizes": rows,
            ]
        }
    }
}
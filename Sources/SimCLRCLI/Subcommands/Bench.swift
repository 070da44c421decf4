import ArgumentParser
import Foundation
import SimCLR
import SimCLRMPI

extension SimCLRCommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print performance figures as JSON (sgemm peak measured in the same process).")

        @OptionGroup var runtime: RuntimeOptions

        @Option(help: "Comma-separated sections to run (default: all): \(Section.allCases.map(\.rawValue).joined(separator: ","))")
        var only: String?

        @Option(help: "ImageFolder decoded by the png section.")
        var pngDataset = "datasets/fashion-mnist-mini/train"

        @Option(help: "Queries, gallery items and feature dimension of the retrieval section, QUERIESxGALLERYxD (10 classes).")
        var retrievalSize = "10000x60000x128"

        enum Section: String, CaseIterable {
            case sgemm
            case augment
            case png
            case ntxent
            case model
            case train
            case probe
            case eval
            case mpi
            case labels
            case retrieval
        }

        func run() throws {
            runtime.apply()
            // Under mpirun/srun every process runs the mpi section together; rank 0 prints.
            let communicator = try MPICommunicator.launched()
            defer { communicator?.finalize() }
            let processes = communicator?.size ?? 1
            let sections = try only.map { list in
                try list.split(separator: ",").map { name -> Section in
                    guard let section = Section(rawValue: String(name)) else {
                        throw ValidationError("unknown bench section '\(name)'")
                    }
                    return section
                }
            } ?? (processes > 1 ? [.mpi] : Section.allCases)
            if processes > 1, sections != [.mpi] {
                throw ValidationError("under mpirun (\(processes) processes) bench runs only the mpi section: --only mpi")
            }
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
                case .train:
                    // Default model and recipe, batch 256 on 28x28x1 (Fashion-MNIST), 3 timed steps.
                    let result = try TrainingBenchmark.measure()
                    var shares: [String: Double] = [:]
                    for (stage, share) in result.times.shares { shares[stage] = share }
                    report["train_28x28x1_batch256"] = [
                        "views_per_second": result.viewsPerSecond,
                        "seconds_per_step": result.secondsPerStep,
                        "time_shares": shares,
                        "data_plus_optimizer_share": shares["data", default: 0] + shares["optimizer", default: 0],
                    ]
                case .probe:
                    report["probe"] = try ProbeBenchmark.run()
                case .eval:
                    // Eval-mode h of the default model, 28x28x1, batch 512 (Scripts/bench-eval.sh adds PyTorch's figure).
                    let result = try FeatureExtractionBenchmark.run()
                    report["eval_28x28x1_batch512"] = [
                        "batch_size": result.batchSize,
                        "images_per_second": result.imagesPerSecond,
                        "images_per_second_by_images_per_task": Dictionary(uniqueKeysWithValues: result.imagesPerSecondByTaskSize.map {
                            (String($0.imagesPerTask), $0.imagesPerSecond)
                        }),
                        "layerwise_images_per_second": result.layerwiseImagesPerSecond,
                        "gflop_per_image": result.gflopPerImage,
                        "achieved_gflops": result.gflopPerImage * result.imagesPerSecond,
                        "sgemm_peak_gflops": result.sgemmPeakGflops,
                    ] as [String: Any]
                case .mpi:
                    report["mpi"] = try mpiReport(communicator ?? SingleProcessCommunicator())
                case .labels:
                    report["labels"] = try labelsReport()
                case .retrieval:
                    // By default 10,000 queries against 60,000 gallery items, D = 128, 10 classes (R = 6,000).
                    let sizes = retrievalSize.split(separator: "x").compactMap { Int($0) }
                    guard (2...3).contains(sizes.count), sizes.allSatisfy({ $0 >= 1 }) else {
                        throw ValidationError("--retrieval-size must be QUERIESxGALLERY[xD], e.g. 10000x60000x128, got '\(retrievalSize)'")
                    }
                    var rows: [[String: Any]] = []
                    for metric in RetrievalMetric.allCases {
                        let m = try RetrievalBenchmark.run(
                            queries: sizes[0], gallery: sizes[1], dimension: sizes.count == 3 ? sizes[2] : 128, metric: metric)
                        rows.append([
                            "metric": m.metric.rawValue, "queries": m.queries, "gallery": m.gallery, "dimension": m.dimension,
                            "seconds": m.seconds, "achieved_gflops": m.achievedGflops, "sgemm_peak_gflops": m.sgemmPeakGflops,
                            "fraction_of_sgemm_peak": m.fractionOfPeak, "precision_at_1": m.precisionAt1,
                        ])
                    }
                    report["retrieval"] = ["flops": "2*queries*gallery*D (D+1 for euclidean)", "runs": rows] as [String: Any]
                }
            }
            guard (communicator?.rank ?? 0) == 0 else { return }
            let data = try JSONSerialization.data(
                withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }

        /// The data-parallel step on this job's K processes (default model and recipe, global batch
        /// 256 on 28×28×1, 3 timed steps) and its two large collectives, each alone: the gradient
        /// all-reduce (every parameter) and the all-gather of z (2N × P).
        private func mpiReport(_ communicator: any Communicator) throws -> [String: Any] {
            let batch = 256, dimension = TrainingDefaults.projectionDim
            let step = try TrainingBenchmark.measure(batchSize: batch, communicator: communicator)
            let reduce = CommunicationBenchmark.allReduce(floats: step.parameterCount, over: communicator)
            let gather = CommunicationBenchmark.allGather(images: batch, dimension: dimension, over: communicator)
            func figures(_ r: CommunicationBenchmark.Result) -> [String: Any] {
                ["floats": r.floats, "bytes": 4 * r.floats, "seconds": r.seconds, "bytes_per_second": r.bytesPerSecond,
                 "share_of_step": r.seconds / step.secondsPerStep]
            }
            var report: [String: Any] = [
                "processes": communicator.size, "threads_per_process": runtime.threads, "global_batch": batch,
                "images_per_process": BatchPart(rank: 0, count: communicator.size).range(of: batch).count,
                "train_views_per_second": step.viewsPerSecond, "seconds_per_step": step.secondsPerStep,
                "communication_share_of_step": step.communicationSecondsPerStep / step.secondsPerStep,
            ]
            // One process has no collectives to time: the step alone (the K = 1 side of a comparison).
            if communicator.isDistributed {
                report["gradient_allreduce"] = figures(reduce)
                report["z_allgather"] = figures(gather)
            } else {
                report["note"] = "one process: no collectives; start under mpirun for their figures"
            }
            return report
        }

        /// The label-supervised losses against the self-supervised ones: each loss alone on
        /// 512 × 128 z (256 images in classes of 32, as `--samples-per-class 32`), then whole
        /// training steps (default model, batch 256, 28×28×1) self-supervised and with labels.
        private func labelsReport() throws -> [String: Any] {
            let losses = try LabeledLossBenchmark.measure()
            var steps: [[String: Any]] = []
            let recipes: [(String, (inout TrainingConfiguration) -> Void)] = [
                ("ntxent views", { _ in }),
                ("supcon labels M32", { $0.supervision = .labels; $0.samplesPerClass = 32 }),
                ("triplet batch-hard labels M32", { $0.supervision = .labels; $0.loss = .triplet; $0.margin = 0.2; $0.samplesPerClass = 32 }),
            ]
            for (name, configure) in recipes {
                let result = try TrainingBenchmark.measure(configure: configure)
                let shares = Dictionary(uniqueKeysWithValues: result.times.shares.map { ($0.stage, $0.share) })
                steps.append([
                    "recipe": name, "views_per_second": result.viewsPerSecond, "seconds_per_step": result.secondsPerStep,
                    "loss_share": shares["loss", default: 0],
                ])
            }
            return [
                "loss_512x128_ms": Dictionary(uniqueKeysWithValues: losses.map { ($0.name, $0.seconds * 1e3) }),
                "train_28x28x1_batch256": steps,
            ]
        }

        /// NT-Xent forward + backward for 2N ∈ {512, 4096, 32768, 65536}, P = 128, each against
        /// an sgemm peak measured just before it (the machine may be shared, so the peak drifts;
        /// sizes increase, so each peak-memory figure is a new peak).
        private func ntxentReport() throws -> [String: Any] {
            var rows: [[String: Any]] = []
            for views in [512, 4096, 32768, 65536] {
                let peak = SGEMMBenchmark.gflops(size: 2048, repeats: 3)
                let m = try NTXentBenchmark.measure(views: views, repeats: views <= 4096 ? 5 : 1)
                rows.append([
                    "views": m.views, "dimension": m.dimension, "block_rows": m.blockRows,
                    "seconds": m.seconds, "gflops": m.gigaflops, "sgemm_peak_gflops": peak,
                    "fraction_of_sgemm_peak": m.gigaflops / peak,
                    "workspace_mib": Double(m.workspaceBytes) / 1048576,
                    "peak_extra_resident_mib": Double(m.peakExtraResidentBytes) / 1048576,
                    "loss": Double(m.loss),
                ])
            }
            return [
                "flops_per_call": "6*(2N)^2*P (three sgemms)",
                "logit_block_mib": NTXentLoss.defaultLogitBlockBytes >> 20, "sizes": rows,
            ]
        }
    }
}

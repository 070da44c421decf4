import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand {
    /// `simclr embed`: h for every image of a folder, as a NumPy `.npy` file.
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the representation h of every image as float32 [count, D] .npy, with files and labels beside it.",
            discussion: """
                Beside OUT (e.g. emb.npy) it writes emb.files.txt (one relative path per line, in row order), \
                emb.labels.npy (int64 [count]) and emb.classes.txt (class names; a label indexes this list).
                """)

        @OptionGroup var runtime: RuntimeOptions

        @Flag(help: "Skip images that fail to decode (they are listed) instead of stopping at the first one.")
        var skipBadImages = false
        @Option(help: "Trained encoder weights (encoder.json must sit beside them).") var encoder: String
        @Option(help: "ImageFolder to embed (root/<class>/*.png).") var data: String
        @Option(help: "Output .npy file.") var out: String = "emb.npy"
        @Option(help: "Images per encoder forward pass.") var batchSize: Int = 256

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
            guard out.hasSuffix(".npy") else { throw ValidationError("--out must end in .npy, got '\(out)'") }
        }

        func run() throws {
            runtime.apply()
            let frozen = try FrozenEncoder.load(weightsPath: encoder)
            for name in frozen.unusedTensorNames { print("warning: \(encoder): tensor '\(name)' is not part of the model and is ignored") }
            let channels = frozen.description.configuration.inputChannels
            let (dataset, report) = try ImageDataset.loadImageFolder(
                root: data, options: ImageFolderOptions(channels: channels == 1 ? .grayscale : .rgb, skipBadImages: skipBadImages))
            for line in report.warnings { print("warning: \(line)") }
            let start = System.now()
            let progress = CountProgress(label: "features of \(data)")
            let h = try frozen.representations(of: dataset, path: data, batchSize: batchSize, progress: progress.update)
            progress.finish()
            let seconds = System.now() - start
            let stem = String(out.dropLast(".npy".count))
            try NumpyArrayFile.write(h, to: out)
            try NumpyArrayFile.write(dataset.labels, to: stem + ".labels.npy")
            try AtomicFile.write(Array((dataset.samples.map(\.relativePath).joined(separator: "\n") + "\n").utf8), to: stem + ".files.txt")
            try AtomicFile.write(Array((dataset.classNames.joined(separator: "\n") + "\n").utf8), to: stem + ".classes.txt")
            print("wrote \(out) [\(h.shape[0]), \(h.shape[1])] (+ .labels.npy, .files.txt, .classes.txt); "
                + String(format: "%.0f images/s", Double(dataset.count) / seconds))
        }
    }
}

import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand {
    /// `simclr classify`: applies a `simclr finetune` classifier to a folder of PNGs or one PNG.
    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify images with a fine-tuned classifier (simclr finetune --out DIR).",
            discussion: """
                Writes a CSV with one row per image: its path, the predicted class and the probability \
                of every class (softmax of the logits; --with-logits adds the logits). The images must \
                have the classifier's size and channel count (classifier.json); grayscale images are \
                replicated for an RGB classifier, RGB images need --channels 1 for a grayscale one.
                """)

        @Option(help: "Folder holding classifier.safetensors and classifier.json.")
        var model: String
        @Option(help: "A PNG file, or a folder searched recursively for PNGs (ImageFolder rules; class folders optional).")
        var data: String
        @Option(help: "Where to write the CSV.")
        var out: String = "predictions.csv"
        @Option(help: "Images per encoder forward pass.")
        var batchSize: Int = 256
        @Flag(help: "Also write every class's logit.")
        var withLogits = false

        @OptionGroup(title: "Dataset loading")
        var loading: ImageFolderLoadOptions

        @OptionGroup var runtime: RuntimeOptions

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
            guard FileManager.default.isFolder(atPath: model) else { throw ValidationError("--model \(model): no such folder") }
            guard FileManager.default.fileExists(atPath: data) else { throw ValidationError("--data \(data): no such file or folder") }
            try OutputFolderCheck.validate(URL(fileURLWithPath: out).deletingLastPathComponent().path, flag: "--out's folder", holds: "the CSV")
        }

        func run() throws {
            runtime.apply()
            let classifier = try ImageClassifier.load(folder: model)
            let dataset = try images(channels: classifier.channels)
            try classifier.check(dataset, path: data)
            let logits = try classifier.logits(of: dataset, path: data, batchSize: batchSize)
            let probabilities = SoftmaxCrossEntropy.probabilities(logits: logits)
            try AtomicFile.write(Array(Self.csv(
                files: dataset.samples.map(\.relativePath), classNames: classifier.classNames, probabilities: probabilities,
                logits: withLogits ? logits : nil).utf8), to: out)
            print("classified \(dataset.count) image(s) into \(classifier.classNames.count) classes; wrote \(out)")
            if dataset.classNames == classifier.classNames {
                let metrics = ClassificationMetrics(scores: logits, labels: dataset.labels)
                print(String(format: "the folder's class folders match the classifier's classes: top-1 %.2f%%, top-5 %.2f%%", 100 * metrics.top1, 100 * metrics.top5))
            }
        }

        /// The images of `--data` with `channels` channels (the classifier's, unless --channels).
        private func images(channels: Int) throws -> ImageDataset {
            let policy: ChannelPolicy = switch loading.channels {
            case 1: .convertToGrayscale
            case 3: .rgb
            default: channels == 1 ? .grayscale : .rgb
            }
            guard !FileManager.default.isFolder(atPath: data) else {
                var options = loading.imageFolderOptions
                options.channels = policy
                let (dataset, report) = try ImageDataset.loadImageFolder(root: data, options: options)
                for line in report.warnings { writeStandardError("simclr: \(line)\n") }
                if dataset.count == 0 { throw DatasetError.noImages(root: data) }
                return dataset
            }
            var image = try PNG.decode(path: data, maximumPixels: loading.maxPixels)
            switch (image.channels, policy) {
            case (1, .rgb): image = ChannelPolicy.replicatedToRGB(image)
            case (3, .convertToGrayscale): image = ChannelPolicy.luma(image)
            case (3, .grayscale): throw DatasetError.rgbInGrayscaleDataset(file: data)
            default: break
            }
            return ImageDataset(
                classNames: [], samples: [.init(relativePath: URL(fileURLWithPath: data).lastPathComponent, label: 0)],
                images: [image], channels: image.channels)
        }

        /// `path,predicted,p_<class>…[,logit_<class>…]`, RFC 4180 quoting.
        static func csv(files: [String], classNames: [String], probabilities: Tensor, logits: Tensor?) -> String {
            func field(_ text: String) -> String {
                text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }
            let k = classNames.count
            var header = ["path", "predicted"] + classNames.map { "p_" + $0 }
            if logits != nil { header += classNames.map { "logit_" + $0 } }
            var lines = [header.map(field).joined(separator: ",")]
            for (row, file) in files.enumerated() {
                let p = probabilities.data[(row * k)..<((row + 1) * k)]
                var predicted = 0
                for c in 0..<k where p[row * k + c] > p[row * k + predicted] { predicted = c }
                var fields = [field(file), field(classNames[predicted])] + p.map { String(format: "%.6g", $0) }
                if let logits { fields += logits.data[(row * k)..<((row + 1) * k)].map { String(format: "%.9g", $0) } }
                lines.append(fields.joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

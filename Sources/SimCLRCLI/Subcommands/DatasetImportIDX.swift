import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand.Dataset {
    struct ImportIDX: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-idx",
            abstract: "Convert Fashion-MNIST IDX files into PNG folders <out>/{train,test}/<NN-class>/<index>.png.",
            discussion: """
                Reads train-{images-idx3,labels-idx1}-ubyte[.gz] and t10k-… from --source \
                (Debian package dataset-fashion-mnist). Class folders: \
                \(IDXImport.fashionMNISTClassFolders.joined(separator: ", ")).
                """)

        @Option(help: "Folder holding the IDX files.")
        var source = "/usr/share/datasets/fashion-mnist"

        @Option(help: "Output folder (gets train/ and test/).")
        var out = "datasets/fashion-mnist"

        @Option(help: "Keep only the first N training images of each class.")
        var trainPerClass: Int?

        @Option(help: "Keep only the first N test images of each class.")
        var testPerClass: Int?

        @Flag(help: "Replace existing output folders.")
        var overwrite = false

        @OptionGroup var runtime: RuntimeOptions

        func validate() throws {
            for (name, value) in [("--train-per-class", trainPerClass), ("--test-per-class", testPerClass)] {
                if let value, value < 1 { throw ValidationError("\(name) must be at least 1, got \(value)") }
            }
        }

        func run() throws {
            runtime.apply()
            for (split, folder, limit) in [("train", "train", trainPerClass), ("t10k", "test", testPerClass)] {
                let files = IDXImport.fashionMNISTFiles(split: split, in: source)
                guard FileManager.default.fileExists(atPath: files.images) else {
                    throw MissingSource(source: source, split: split)
                }
                let progress = CountProgress(label: "writing \(folder)")
                let start = System.now()
                let count = try IDXImport.run(
                    imagesPath: files.images, labelsPath: files.labels, output: "\(out)/\(folder)",
                    perClassLimit: limit, overwrite: overwrite, progress: progress.update)
                progress.finish()
                print("\(folder): \(count) images -> \(out)/\(folder) in \(String(format: "%.2f", System.now() - start)) s")
            }
        }
    }
}

/// The source folder lacks the IDX files.
private struct MissingSource: Error, CustomStringConvertible {
    let source: String, split: String
    var description: String {
        """
        no Fashion-MNIST IDX files in \(source) (expected \(split)-images-idx3-ubyte[.gz] and \(split)-labels-idx1-ubyte[.gz])
        ---> HINT: install Debian's dataset-fashion-mnist (Scripts/install-deps.sh) or pass --source.
        """
    }
}

import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand.Dataset {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate an ImageFolder tree (or one PNG) before training.",
            discussion: """
                Lists classes (name, index, count), image sizes and channel counts, every file \
                that would be ignored or rejected and why, and groups of exact duplicate images \
                (same decoded pixels). Exits with status 1 when a file would be rejected.
                """)

        @Argument(help: "ImageFolder root (root/<class>/*.png) or a single PNG file.")
        var path: String

        @Flag(help: "Print one JSON document: samples (path, class_index, width, height, channels, sha256 of the decoded pixels), rejected, ignored, duplicate_groups.")
        var json = false

        @Option(help: "Largest width x height a PNG header may claim.")
        var maxPixels: Int = PNG.defaultMaximumPixels

        @OptionGroup var runtime: RuntimeOptions

        func run() throws {
            runtime.apply()
            let progress = CountProgress(label: "decoding")
            let inspection = try DatasetInspection.inspect(path: path, maximumPixels: maxPixels, progress: progress.update)
            progress.finish()
            if json {
                print(String(decoding: try inspection.jsonBytes(), as: UTF8.self), terminator: "")
            } else {
                print(inspection.summary)
            }
            if !inspection.rejected.isEmpty { throw ExitCode(1) }
        }
    }
}

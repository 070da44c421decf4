import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write encoder.safetensors + encoder.json from a pretraining checkpoint.",
            discussion: "Tensor names and shapes follow PyTorch's state_dict of the same model (conv weights OIHW).")

        @Option(help: "A checkpoint.safetensors written by `simclr pretrain`.")
        var checkpoint: String

        @Flag(help: "Include the projection head (head.*).")
        var withHead = false

        @Option(help: "Output folder.")
        var out: String

        func validate() throws {
            guard FileManager.default.fileExists(atPath: checkpoint) else {
                throw ValidationError("--checkpoint \(checkpoint): no such file")
            }
            try OutputFolderCheck.validate(out, holds: "encoder.safetensors and encoder.json")
        }

        func run() throws {
            let stored = try TrainingCheckpoint.read(path: checkpoint)
            try AtomicFile.createFolders(out)
            try stored.exportEncoder(to: out, includeHead: withHead, checkpointPath: checkpoint)
            print("wrote \(out)/\(EncoderManifest.weightsFileName) and \(out)/\(EncoderManifest.fileName) (step \(stored.progress.step), epoch \(stored.progress.epoch)\(withHead ? ", with head" : ""))")
        }
    }
}

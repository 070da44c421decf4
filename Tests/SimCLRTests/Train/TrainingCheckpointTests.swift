import Foundation
import SimCLR
import Testing

@Suite struct TrainingCheckpointTests {
    let architecture = #"{"name":"resnet-mini","widths":[4,8,16],"input_channels":1}"#

    func sample() -> TrainingCheckpoint {
        TrainingCheckpoint(
            model: [
                ("stem.conv.weight", Tensor(shape: [4, 1, 3, 3], data: (0..<36).map { Float($0) * 0.25 - 3 })),
                ("stem.bn.running_var", Tensor(shape: [4], data: [1, 2, 3, 4])),
            ],
            optimizer: [("stem.conv.weight.momentum", Tensor(shape: [4, 1, 3, 3], repeating: 0.5))],
            progress: TrainingProgress(
                step: 12, epoch: 1, randomState: ["augment": UInt64.max - 7, "data_order": 42],
                epochSums: .init(loss: 1.0 / 3.0, positiveTop1: 0.1, steps: 2)),
            arguments: #"{"epochs":2,"temperature":0.5}"#, architecture: architecture)
    }

    func temporaryPath() -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simclr-ckpt-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(TrainingCheckpoint.fileName).path
    }

    @Test func roundTripKeepsEverythingExactly() throws {
        let path = temporaryPath()
        let original = sample()
        try original.write(to: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [TrainingCheckpoint.fileName], "no temporary file left")
        let back = try TrainingCheckpoint.read(path: path)
        #expect(back.model.map(\.name) == original.model.map(\.name))
        #expect(back.model.map(\.tensor) == original.model.map(\.tensor))
        #expect(back.optimizer.map(\.name) == ["stem.conv.weight.momentum"])
        #expect(back.optimizer.map(\.tensor) == original.optimizer.map(\.tensor))
        #expect(back.progress == original.progress)  // UInt64 and Double exactly
        #expect(back.arguments == original.arguments)
        #expect(back.architecture == original.architecture)
        // The optimizer state sits under the `optimizer.` prefix in the file itself.
        let raw = try SafetensorsFile.read(path: path)
        #expect(raw.tensors.map(\.name).last == "optimizer.stem.conv.weight.momentum")
        #expect(raw.metadata["step"] == "12" && raw.metadata["epoch"] == "1" && raw.metadata["format"] == "pt")
    }

    @Test func refusesCorruptFiles() {
        let bytes = sample().serialized()
        // A flipped bit in the tensor data: still valid safetensors, caught by the checksum.
        var flipped = bytes
        flipped[bytes.count - 3] ^= 0x10
        #expect {
            try TrainingCheckpoint.parse(flipped, path: "c")
        } throws: { error in
            guard case .corrupt(_, let reason)? = error as? CheckpointError else { return false }
            return reason.contains("checksum")
        }
        // Truncated, and not a safetensors file at all.
        #expect(throws: CheckpointError.self) { try TrainingCheckpoint.parse(Array(bytes.dropLast(8)), path: "c") }
        #expect(throws: CheckpointError.self) { try TrainingCheckpoint.parse(Array("hello world!".utf8), path: "c") }
        // A plain safetensors file without the checkpoint metadata.
        let plain = SafetensorsFile(tensors: [("x", Tensor(shape: [1], data: [1]))]).serialized()
        #expect(throws: CheckpointError.corrupt(path: "p", reason: "metadata lacks 'checksum'")) {
            try TrainingCheckpoint.parse(plain, path: "p")
        }
        #expect(throws: CheckpointError.self) { try TrainingCheckpoint.read(path: "/nonexistent/checkpoint.safetensors") }
    }

    @Test func namesTheFirstMismatch() throws {
        let checkpoint = sample()
        let model: [(name: String, shape: [Int])] = [("stem.conv.weight", [4, 1, 3, 3]), ("stem.bn.running_var", [4])]
        let optimizer: [(name: String, shape: [Int])] = [("stem.conv.weight.momentum", [4, 1, 3, 3])]
        try checkpoint.check(path: "c", architecture: architecture, model: model, optimizer: optimizer)
        // Key order in the JSON does not matter.
        try checkpoint.check(
            path: "c", architecture: #"{"input_channels":1,"name":"resnet-mini","widths":[4,8,16]}"#, model: model,
            optimizer: optimizer)

        #expect(throws: CheckpointError.architectureMismatch(path: "c", key: "widths", checkpoint: "[4,8,16]", expected: "[8,16,32]")) {
            try checkpoint.check(
                path: "c", architecture: #"{"name":"resnet-mini","widths":[8,16,32],"input_channels":1}"#,
                model: model, optimizer: optimizer)
        }
        #expect(throws: CheckpointError.shapeMismatch(path: "c", name: "stem.bn.running_var", checkpoint: [4], expected: [8])) {
            try checkpoint.check(
                path: "c", architecture: architecture, model: [model[0], ("stem.bn.running_var", [8])], optimizer: optimizer)
        }
        #expect(throws: CheckpointError.missingTensor(path: "c", name: "stem.bn.weight")) {
            try checkpoint.check(
                path: "c", architecture: architecture, model: model + [("stem.bn.weight", [4])], optimizer: optimizer)
        }
        #expect(throws: CheckpointError.unexpectedTensor(path: "c", name: "stem.bn.running_var")) {
            try checkpoint.check(path: "c", architecture: architecture, model: [model[0]], optimizer: optimizer)
        }
        // Another optimizer (AdamW slots instead of LARS momentum) is named with its prefix.
        #expect(throws: CheckpointError.missingTensor(path: "c", name: "optimizer.step")) {
            try checkpoint.check(
                path: "c", architecture: architecture, model: model, optimizer: [("step", [1])] + optimizer)
        }
        let message = CheckpointError.missingTensor(path: "c", name: "x").description
        #expect(message.contains("HINT"))
    }
}

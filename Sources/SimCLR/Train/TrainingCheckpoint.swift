import Foundation

/// A resumable snapshot of a run: one safetensors file (`checkpoint.safetensors`).
///
/// Tensors: the model's parameters and BatchNorm buffers under their PyTorch `state_dict` names
/// and layouts (DESIGN.md), then the optimizer state with the prefix `optimizer.`.
/// `__metadata__`: `format` (`pt`, so `safetensors.torch` loads it), `step`, `epoch`,
/// `rng_state` (JSON: generator name → state), `epoch_sums` (JSON), `arguments` (the training
/// arguments as JSON), `architecture` (JSON object), `dataset` (`DatasetIdentity` as JSON), and `checksum` (FNV-1a 64 over the tensor
/// bytes in file order, hex) so a damaged file is refused rather than resumed.
public struct TrainingCheckpoint {
    /// The file name inside a run's output folder.
    public static let fileName = "checkpoint.safetensors"
    /// Prefix of the optimizer-state tensor names in the file.
    public static let optimizerPrefix = "optimizer."

    /// Parameters and buffers, PyTorch names and layouts.
    public var model: [(name: String, tensor: Tensor)]
    /// Optimizer state as returned by `Optimizer.state()` (names without the prefix).
    public var optimizer: [(name: String, tensor: Tensor)]
    public var progress: TrainingProgress
    /// The training arguments as a JSON object text.
    public var arguments: String
    /// The architecture as a JSON object text (name, widths, channels, projection dims...).
    public var architecture: String
    /// The training images it was trained on (metadata `dataset`); nil in checkpoints of older builds.
    public var dataset: DatasetIdentity?

    public init(
        model: [(name: String, tensor: Tensor)], optimizer: [(name: String, tensor: Tensor)],
        progress: TrainingProgress, arguments: String, architecture: String
    ) {
        self.model = model
        self.optimizer = optimizer
        self.progress = progress
        self.arguments = arguments
        self.architecture = architecture
    }

    /// The name of the first model or optimizer tensor holding a NaN or infinity (optimizer names
    /// with their `optimizer.` prefix), if any.
    public var firstNonFiniteTensor: String? {
        if let bad = model.first(where: { !TrainingError.isFinite($0.tensor) }) { return bad.name }
        return optimizer.first(where: { !TrainingError.isFinite($0.tensor) }).map { Self.optimizerPrefix + $0.name }
    }

    /// The file's bytes.
    public func serialized() -> [UInt8] {
        let tensors = model + optimizer.map { (Self.optimizerPrefix + $0.name, $0.tensor) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let metadata: [String: String] = [
            "format": "pt",
            "step": String(progress.step),
            "epoch": String(progress.epoch),
            // Encoding a [String: UInt64] or a struct of Ints and Doubles cannot fail.
            "rng_state": String(decoding: (try? encoder.encode(progress.randomState)) ?? Data(), as: UTF8.self),
            "epoch_sums": String(decoding: (try? encoder.encode(progress.epochSums)) ?? Data(), as: UTF8.self),
            "arguments": arguments,
            "architecture": architecture,
            "checksum": Self.checksum(tensors.map(\.1)),
        ].merging(dataset.map { ["dataset": $0.json] } ?? [:]) { a, _ in a }
        return SafetensorsFile(tensors: tensors, metadata: metadata).serialized()
    }

    /// Writes the checkpoint atomically (temporary file, fsync, rename): a crash mid-write leaves
    /// the previous checkpoint in place.
    ///
    /// - Throws: `FileWriteError` naming the path.
    public func write(to path: String) throws {
        try AtomicFile.write(serialized(), to: path)
    }

    /// Reads a checkpoint and checks its integrity (not yet that it fits a model: see `check`).
    ///
    /// - Throws: `CheckpointError.unreadable` or `.corrupt`.
    public static func read(path: String) throws(CheckpointError) -> TrainingCheckpoint {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(bytes, path: path)
    }

    /// Parses checkpoint bytes; `path` is for messages.
    ///
    /// - Throws: `CheckpointError.corrupt` naming the first problem (also a tensor with a NaN or
    ///   an infinity).
    public static func parse(_ bytes: [UInt8], path: String) throws(CheckpointError) -> TrainingCheckpoint {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile.parse(bytes, path: path)
        } catch {
            throw .corrupt(path: path, reason: "\(error)")
        }
        func value(_ key: String) throws(CheckpointError) -> String {
            guard let text = file.metadata[key] else {
                throw .corrupt(path: path, reason: "metadata lacks '\(key)'")
            }
            return text
        }
        let stored = try value("checksum")
        let actual = checksum(file.tensors.map(\.tensor))
        guard stored == actual else {
            throw .corrupt(path: path, reason: "tensor data checksum \(actual) differs from the recorded \(stored)")
        }
        guard let step = Int(try value("step")), let epoch = Int(try value("epoch")) else {
            throw .corrupt(path: path, reason: "step or epoch is not an integer")
        }
        let decoder = JSONDecoder()
        let randomState: [String: UInt64]
        let epochSums: TrainingProgress.EpochSums
        do {
            randomState = try decoder.decode([String: UInt64].self, from: Data(try value("rng_state").utf8))
            epochSums = try decoder.decode(TrainingProgress.EpochSums.self, from: Data(try value("epoch_sums").utf8))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw .corrupt(path: path, reason: "rng_state or epoch_sums is not valid JSON: \(error)")
        }
        var model: [(name: String, tensor: Tensor)] = []
        var optimizer: [(name: String, tensor: Tensor)] = []
        for (name, tensor) in file.tensors {
            if name.hasPrefix(optimizerPrefix) {
                optimizer.append((String(name.dropFirst(optimizerPrefix.count)), tensor))
            } else {
                model.append((name, tensor))
            }
        }
        var checkpoint = TrainingCheckpoint(
            model: model, optimizer: optimizer,
            progress: TrainingProgress(step: step, epoch: epoch, randomState: randomState, epochSums: epochSums),
            arguments: try value("arguments"), architecture: try value("architecture"))
        checkpoint.dataset = file.metadata["dataset"].flatMap(DatasetIdentity.parse)
        // Never resumed or exported: a checkpoint of a diverged run (written by an older build).
        if let name = checkpoint.firstNonFiniteTensor {
            throw .corrupt(path: path, reason: "tensor '\(name)' holds NaN or infinite values (the run had diverged)")
        }
        return checkpoint
    }

    /// Checks that the checkpoint fits the run about to resume from it: same architecture, then
    /// exactly the expected model and optimizer tensor names and shapes (in the given order).
    ///
    /// - Parameters:
    ///   - architecture: this run's architecture JSON object text.
    ///   - model: this run's model tensor names and shapes.
    ///   - optimizer: this run's `Optimizer.state()` names and shapes.
    /// - Throws: `CheckpointError` naming the first mismatch.
    public func check(
        path: String, architecture expected: String, model expectedModel: [(name: String, shape: [Int])],
        optimizer expectedOptimizer: [(name: String, shape: [Int])]
    ) throws(CheckpointError) {
        if let (key, mine, theirs) = Self.firstDifference(architecture, expected) {
            throw .architectureMismatch(path: path, key: key, checkpoint: mine, expected: theirs)
        }
        try Self.check(path: path, prefix: "", found: model, expected: expectedModel)
        try Self.check(path: path, prefix: Self.optimizerPrefix, found: optimizer, expected: expectedOptimizer)
    }

    private static func check(
        path: String, prefix: String, found: [(name: String, tensor: Tensor)], expected: [(name: String, shape: [Int])]
    ) throws(CheckpointError) {
        var shapes: [String: [Int]] = [:]
        for (name, tensor) in found { shapes[name] = tensor.shape }
        for (name, shape) in expected {
            guard let actual = shapes.removeValue(forKey: name) else {
                throw .missingTensor(path: path, name: prefix + name)
            }
            guard actual == shape else {
                throw .shapeMismatch(path: path, name: prefix + name, checkpoint: actual, expected: shape)
            }
        }
        if let extra = found.first(where: { shapes[$0.name] != nil }) {
            throw .unexpectedTensor(path: path, name: prefix + extra.name)
        }
    }

    /// The first top-level key (in sorted order) whose values differ between two JSON objects,
    /// with both values as JSON text (`absent` when missing).
    static func firstDifference(_ a: String, _ b: String) -> (key: String, a: String, b: String)? {
        let left = jsonObject(a)
        let right = jsonObject(b)
        for key in Set(left.keys).union(right.keys).sorted() where left[key] != right[key] {
            return (key, left[key] ?? "absent", right[key] ?? "absent")
        }
        return nil
    }

    /// A JSON object's values re-serialised (sorted keys) for comparison; empty if not an object.
    private static func jsonObject(_ text: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return [:]
        }
        var out: [String: String] = [:]
        for (key, value) in object {
            if let data = try? JSONSerialization.data(
                withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
            {
                out[key] = String(decoding: data, as: UTF8.self)
            }
        }
        return out
    }

    /// FNV-1a 64-bit hash of the tensors' little-endian Float32 bytes, in order, as 16 hex digits.
    static func checksum(_ tensors: [Tensor]) -> String {
        var hash = FNV1a.offsetBasis
        for tensor in tensors {
            hash = tensor.data.withUnsafeBytes { FNV1a.hash($0, continuing: hash) }
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Why a checkpoint cannot be resumed from; each case names the file and the first mismatch.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be read (missing, permissions).
    case unreadable(path: String, reason: String)
    /// The bytes are not a checkpoint written by `TrainingCheckpoint.write` (truncated, bad
    /// header, checksum mismatch, missing or invalid metadata).
    case corrupt(path: String, reason: String)
    /// The checkpoint's model differs from the one being trained, at architecture key `key`.
    case architectureMismatch(path: String, key: String, checkpoint: String, expected: String)
    /// `--resume` with other training arguments than the checkpoint's, at key `key` (only
    /// `epochs` may change).
    case argumentsMismatch(path: String, key: String, checkpoint: String, expected: String)
    /// `--resume` with fewer epochs than the checkpoint's run was planned for (its warmup +
    /// cosine schedule would be cut short; epochs may only be raised).
    case epochsLowered(path: String, checkpoint: Int, requested: Int)
    /// `--resume` without `--data`, and the training folder stored in the checkpoint (as it was
    /// given, possibly relative to another working directory) is not a folder from here.
    case trainingFolderMissing(path: String, folder: String)
    /// `--resume` on training images other than the checkpoint's (count or listing differ).
    case datasetChanged(path: String, folder: String, checkpoint: DatasetIdentity, found: DatasetIdentity)
    /// A tensor the model or optimizer needs is absent.
    case missingTensor(path: String, name: String)
    /// The file holds a tensor the model and optimizer do not have.
    case unexpectedTensor(path: String, name: String)
    /// A tensor has another shape than the model's or optimizer's.
    case shapeMismatch(path: String, name: String, checkpoint: [Int], expected: [Int])

    public var description: String {
        let hint = "\n---> HINT: resume with the same --widths, --projection-dim, input channels and --optimizer, or start a new run in another --out folder."
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read checkpoint \(path): \(reason)"
        case .corrupt(let path, let reason):
            return "checkpoint \(path) is corrupt: \(reason)"
        case .architectureMismatch(let path, let key, let checkpoint, let expected):
            return "checkpoint \(path) is for another model: \(key) is \(checkpoint) in the checkpoint, \(expected) in this run" + hint
        case .argumentsMismatch(let path, let key, let checkpoint, let expected):
            return "checkpoint \(path) was trained with \(key) = \(checkpoint), this run asks for \(expected); only --epochs may change on --resume"
        case .epochsLowered(let path, let checkpoint, let requested):
            return "checkpoint \(path) belongs to a \(checkpoint)-epoch run; --epochs \(requested) would cut its learning-rate schedule short (--epochs may only be raised on --resume)"
        case .trainingFolderMissing(let path, let folder):
            return "checkpoint \(path) was trained on \(folder), which is not a folder from here\n---> HINT: pass --data with the training folder's path from this directory."
        case .datasetChanged(let path, let folder, let checkpoint, let found):
            return "checkpoint \(path) was trained on \(checkpoint), but \(folder) now holds \(found); --resume needs the same images (start a new run with --overwrite or another --out)"
        case .missingTensor(let path, let name):
            return "checkpoint \(path) lacks tensor '\(name)'" + hint
        case .unexpectedTensor(let path, let name):
            return "checkpoint \(path) has tensor '\(name)', which this run does not have" + hint
        case .shapeMismatch(let path, let name, let checkpoint, let expected):
            return "checkpoint \(path): tensor '\(name)' has shape \(checkpoint), this run expects \(expected)" + hint
        }
    }
}

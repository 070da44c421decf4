/// Errors building a model or loading its weights; each names the value or tensor at fault.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    /// A state dict lacks a tensor the model needs (the first one, in state_dict order).
    case missingTensor(name: String)
    /// A state dict tensor has another shape than the model's (the first one, in state_dict order).
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// A state dict tensor holds a NaN or an infinity, or a BatchNorm running variance is negative
    /// (`reason` says which): a diverged run's weights, refused on loading.
    case unusableValues(name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid model configuration: \(reason)"
        case .missingTensor(let name): return "state dict has no tensor '\(name)'"
        case .shapeMismatch(let name, let expected, let found):
            return "state dict tensor '\(name)' has shape \(found), the model needs \(expected)"
        case .unusableValues(let name, let reason):
            return "state dict tensor '\(name)' \(reason) (weights of a diverged run?)"
        }
    }
}

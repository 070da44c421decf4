/// Conversion between the model and PyTorch `state_dict` entries (names and shapes of DESIGN.md
/// "Exported weights"; conv weights OIHW, which is also the internal layout;
/// `num_batches_tracked` is not produced and is ignored when present).
extension SimCLRModel {
    /// Every parameter and BatchNorm buffer, in PyTorch's state_dict order; the head's entries
    /// (`head.*`) only when `includeHead`.
    public func stateDict(includeHead: Bool) -> [(name: String, tensor: Tensor)] {
        var entries = encoder.stateDict()
        if includeHead {
            let h = head
            entries += [h.fc1.weight, h.fc1.bias].map(\.stateEntry) + h.bn.stateEntries
                + [h.fc2.weight, h.fc2.bias].map(\.stateEntry)
        }
        return entries
    }

    /// Copies the named tensors into the parameters and BatchNorm buffers (all or nothing:
    /// nothing changes when it throws). Extra entries are ignored.
    ///
    /// - Parameter includeHead: also load `head.*` (false for an encoder-only export).
    /// - Throws: `ModelError.missingTensor` / `.shapeMismatch` for the first entry, in state_dict
    ///   order, that is absent or has another shape.
    public func load(stateDict: [(name: String, tensor: Tensor)], includeHead: Bool = true) throws {
        var byName: [String: Tensor] = [:]
        for (name, tensor) in stateDict { byName[name] = tensor }
        let targets = self.stateDict(includeHead: includeHead)
        for (name, current) in targets {
            guard let found = byName[name] else { throw ModelError.missingTensor(name: name) }
            guard found.shape == current.shape else {
                throw ModelError.shapeMismatch(name: name, expected: current.shape, found: found.shape)
            }
            // Every way into a model passes here (resume, probe, embed, export, kNN monitor).
            guard TrainingError.isFinite(found) else {
                throw ModelError.unusableValues(name: name, reason: "holds NaN or infinite values")
            }
            if name.hasSuffix(".running_var"), found.data.contains(where: { $0 < 0 }) {
                throw ModelError.unusableValues(name: name, reason: "holds a negative variance")
            }
        }
        var parameters: [String: Parameter] = [:]
        for parameter in self.parameters { parameters[parameter.name] = parameter }
        var norms: [String: BatchNorm] = [:]
        for pair in encoder.convolutionPairs { norms[pair.bn.name] = pair.bn }
        norms[head.bn.name] = head.bn
        for (name, _) in targets {
            let values = byName[name]!.data
            if let parameter = parameters[name] {
                parameter.value = values
            } else if name.hasSuffix(".running_mean") {
                norms[String(name.dropLast(".running_mean".count))]!.runningMean = values
            } else if name.hasSuffix(".running_var") {
                norms[String(name.dropLast(".running_var".count))]!.runningVariance = values
            }
        }
    }
}

extension ResNetMini {
    /// The encoder's state_dict entries (`stem.*`, `layer{1,2,3}.*`) in PyTorch's order.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        var entries: [(name: String, tensor: Tensor)] = []
        for pair in convolutionPairs { entries += [pair.conv.weight.stateEntry] + pair.bn.stateEntries }
        return entries
    }
}

extension Parameter {
    /// `(name, value)` with the parameter's shape.
    var stateEntry: (name: String, tensor: Tensor) { (name, Tensor(shape: shape, data: value)) }
}

extension BatchNorm {
    /// `weight`, `bias`, `running_mean`, `running_var`, as in PyTorch.
    var stateEntries: [(name: String, tensor: Tensor)] {
        [weight.stateEntry, bias.stateEntry,
         (name + ".running_mean", Tensor(shape: [channels], data: runningMean)),
         (name + ".running_var", Tensor(shape: [channels], data: runningVariance))]
    }
}

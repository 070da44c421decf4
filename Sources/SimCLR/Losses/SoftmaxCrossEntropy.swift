import Foundation

/// Softmax cross-entropy over class logits (`torch.nn.CrossEntropyLoss`, mean reduction), with
/// its hand-written backward fused as `(softmax − onehot) / B` (STYLE.md §3).
///
///     loss = (1/B) Σ_b [ logsumexp(l_b) − l_b[y_b] ],   dL/dl_b = (softmax(l_b) − onehot(y_b)) / B
///
/// Legend: B rows (views or images), K classes. Every row is max-subtracted before `exp`.
public enum SoftmaxCrossEntropy {
    /// The mean loss over the rows, its gradient, and the rows' top-1 accuracy.
    ///
    /// - Parameters:
    ///   - logits: `[B, K]`, row-major.
    ///   - labels: `[B]`, each in `0..<K`.
    ///   - gradient: receives `dL/dlogits` `[B, K]` (reallocated only when its shape differs).
    /// - Returns: the loss (natural log units) and the fraction of rows whose largest logit is the
    ///   label (ties to the lower index, as `argmax`).
    /// - Precondition: shapes agree, B ≥ 1, labels in range.
    /// - Complexity: B·K exponentials.
    public static func lossAndGradient(logits: Tensor, labels: [Int], gradient: inout Tensor) -> (loss: Float, top1: Float) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count && labels.count > 0,
                     "SoftmaxCrossEntropy: logits \(logits.shape) vs labels [\(labels.count)]")
        let (b, k) = (logits.shape[0], logits.shape[1])
        precondition(labels.allSatisfy { (0..<k).contains($0) }, "SoftmaxCrossEntropy: labels must lie in 0..<\(k)")
        if gradient.shape != logits.shape { gradient = Tensor(shape: logits.shape) }
        var total = 0.0
        var hits = 0
        let scale = 1 / Float(b)
        logits.withUnsafeBufferPointer { l in
            gradient.withUnsafeMutableBufferPointer { g in
                for row in 0..<b {
                    let base = row * k
                    var maximum = -Float.infinity
                    var predicted = 0
                    for j in 0..<k where l[base + j] > maximum {
                        maximum = l[base + j]
                        predicted = j
                    }
                    var sum: Float = 0
                    for j in 0..<k {
                        let e = Foundation.exp(l[base + j] - maximum)
                        g[base + j] = e
                        sum += e
                    }
                    let label = labels[row]
                    total += Double(Foundation.log(sum) + maximum - l[base + label])
                    if predicted == label { hits += 1 }
                    let inverse = scale / sum
                    for j in 0..<k { g[base + j] *= inverse }
                    g[base + label] -= scale
                }
            }
        }
        return (Float(total / Double(b)), Float(hits) / Float(b))
    }

    /// Row-wise softmax probabilities `[B, K]` of `logits` `[B, K]` (max-subtracted).
    public static func probabilities(logits: Tensor) -> Tensor {
        precondition(logits.rank == 2, "SoftmaxCrossEntropy.probabilities: logits \(logits.shape), expected [B, K]")
        let (b, k) = (logits.shape[0], logits.shape[1])
        var result = Tensor(shape: logits.shape)
        logits.withUnsafeBufferPointer { l in
            result.withUnsafeMutableBufferPointer { p in
                for row in 0..<b {
                    let base = row * k
                    var maximum = -Float.infinity
                    for j in 0..<k { maximum = max(maximum, l[base + j]) }
                    var sum: Float = 0
                    for j in 0..<k {
                        p[base + j] = Foundation.exp(l[base + j] - maximum)
                        sum += p[base + j]
                    }
                    for j in 0..<k { p[base + j] /= sum }
                }
            }
        }
        return result
    }
}

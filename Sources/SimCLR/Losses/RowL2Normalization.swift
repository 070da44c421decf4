/// Row-wise L2 normalisation `u_r = z_r / max(‖z_r‖₂, ε)` with ε = 1e-12, as PyTorch's
/// `F.normalize`, and its backward. Shared by every loss that works on unit-length embeddings.
///
/// An all-zero row normalises to 0 (no NaN); its backward is `du_r / ε`, large but finite.
enum RowL2Normalization {
    /// ε of the clamp `max(‖z‖, ε)` (PyTorch `F.normalize` default).
    static let epsilon: Float = 1e-12

    /// `u = z / max(‖z‖, ε)` row by row; `norms[r]` receives ‖z_r‖ (accumulated in Double, so
    /// rows of norm 1e-20 or 1e20 neither underflow nor overflow).
    ///
    /// - Precondition: `z` and `u` hold `rows·columns` elements, `norms` holds `rows`.
    static func forward(
        z: UnsafePointer<Float>, rows: Int, columns: Int,
        u: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>
    ) {
        let zs = SendableConstPointer(z), us = SendablePointer(u), ns = SendablePointer(norms)
        // Each chunk reads and writes only its own rows of u and norms: chunks never overlap.
        Parallel.forEachChunk(rows, minimumChunk: max(1, 4096 / max(1, columns))) { range in
            for r in range {
                let zr = zs.base + r * columns, ur = us.base + r * columns
                var sum: Double = 0
                for c in 0..<columns { sum += Double(zr[c]) * Double(zr[c]) }
                let norm = sum.squareRoot()
                ns.base[r] = Float(norm)
                let inverse = Float(1 / max(norm, Double(epsilon)))
                for c in 0..<columns { ur[c] = zr[c] * inverse }
            }
        }
    }

    /// `dz_r = (du_r − u_r (u_r·du_r)) / ‖z_r‖` when ‖z_r‖ > ε, else `du_r / ε`.
    ///
    /// - Precondition: `u`, `du`, `dz` hold `rows·columns` elements; `norms` as from `forward`.
    ///   `dz` may alias `du`.
    static func backward(
        u: UnsafePointer<Float>, norms: UnsafePointer<Float>, rows: Int, columns: Int,
        du: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>
    ) {
        let us = SendableConstPointer(u), ns = SendableConstPointer(norms)
        let dus = SendableConstPointer(du), dzs = SendablePointer(dz)
        // Each chunk reads and writes only its own rows: chunks never overlap.
        Parallel.forEachChunk(rows, minimumChunk: max(1, 4096 / max(1, columns))) { range in
            for r in range {
                let ur = us.base + r * columns, dur = dus.base + r * columns
                let dzr = dzs.base + r * columns
                let norm = ns.base[r]
                if norm > epsilon {
                    var dot: Float = 0
                    for c in 0..<columns { dot += ur[c] * dur[c] }
                    let inverse = 1 / norm
                    for c in 0..<columns { dzr[c] = (dur[c] - ur[c] * dot) * inverse }
                } else {
                    let inverse = 1 / epsilon
                    for c in 0..<columns { dzr[c] = dur[c] * inverse }
                }
            }
        }
    }
}

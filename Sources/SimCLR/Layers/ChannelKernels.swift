/// Per-channel reductions and elementwise passes over one contiguous channel row, used by
/// `BatchNorm`. Reductions accumulate 8-lane Float partial sums over blocks of 256 elements and
/// add the blocks in Double, in a fixed order (so results do not depend on threads).
enum ChannelKernels {
    static let block = 256

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func lanesInDouble(_ v: SIMD8<Float>) -> Double {
        var total = 0.0
        for lane in 0..<8 { total += Double(v[lane]) }
        return total
    }

    /// `(Σ (x − shift), Σ (x − shift)²)` over `count` elements.
    static func shiftedSums(_ x: UnsafePointer<Float>, count: Int, shift: Float) -> (sum: Double, squares: Double) {
        var sum = 0.0, squares = 0.0
        let s = SIMD8<Float>(repeating: shift)
        var start = 0
        while start < count {
            let end = min(count, start + block)
            var a = SIMD8<Float>(), q = SIMD8<Float>()
            var i = start
            while i + 8 <= end {
                let v = load8(x + i) - s
                a += v
                q += v * v
                i += 8
            }
            var tail: Float = 0, tailSquares: Float = 0
            while i < end {
                let v = x[i] - shift
                tail += v
                tailSquares += v * v
                i += 1
            }
            sum += lanesInDouble(a) + Double(tail)
            squares += lanesInDouble(q) + Double(tailSquares)
            start = end
        }
        return (sum, squares)
    }

    /// `g = dOut ⊙ [out > 0]` (ReLU) or `g = dOut`, then `(Σ g, Σ g·(x − shift))`; writes `g`
    /// into `gradientCopy` when given.
    static func gradientSums(
        outputGradient dOut: UnsafePointer<Float>, output: UnsafePointer<Float>, input x: UnsafePointer<Float>,
        count: Int, shift: Float, relu: Bool, gradientCopy: UnsafeMutablePointer<Float>?
    ) -> (sum: Double, weighted: Double) {
        var sum = 0.0, weighted = 0.0
        let s = SIMD8<Float>(repeating: shift)
        let zero = SIMD8<Float>()
        var start = 0
        while start < count {
            let end = min(count, start + block)
            var a = SIMD8<Float>(), w = SIMD8<Float>()
            var i = start
            while i + 8 <= end {
                var g = load8(dOut + i)
                if relu { g = g.replacing(with: 0, where: load8(output + i) .<= zero) }
                if let gradientCopy { store8(g, gradientCopy + i) }
                a += g
                w += g * (load8(x + i) - s)
                i += 8
            }
            var tail: Float = 0, tailWeighted: Float = 0
            while i < end {
                let g = relu && output[i] <= 0 ? 0 : dOut[i]
                if let gradientCopy { gradientCopy[i] = g }
                tail += g
                tailWeighted += g * (x[i] - shift)
                i += 1
            }
            sum += lanesInDouble(a) + Double(tail)
            weighted += lanesInDouble(w) + Double(tailWeighted)
            start = end
        }
        return (sum, weighted)
    }

    /// `out = act(x·scale + offset [+ residual])`, act = ReLU or identity.
    static func affine(
        _ x: UnsafePointer<Float>, count: Int, scale: Float, offset: Float, residual: UnsafePointer<Float>?,
        relu: Bool, output: UnsafeMutablePointer<Float>
    ) {
        let a = SIMD8<Float>(repeating: scale), b = SIMD8<Float>(repeating: offset), zero = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            var v = load8(x + i) * a + b
            if let residual { v += load8(residual + i) }
            if relu { v = v.replacing(with: zero, where: v .< zero) }
            store8(v, output + i)
            i += 8
        }
        while i < count {
            var v = x[i] * scale + offset
            if let residual { v += residual[i] }
            if relu && v < 0 { v = 0 }
            output[i] = v
            i += 1
        }
    }

    /// `dx = k1·g + k2·(x − shift) + k3` with `g = dOut ⊙ [out > 0]` (ReLU) or `dOut`.
    static func batchNormInputGradient(
        outputGradient dOut: UnsafePointer<Float>, output: UnsafePointer<Float>, input x: UnsafePointer<Float>,
        count: Int, relu: Bool, shift: Float, k1: Float, k2: Float, k3: Float,
        inputGradient dx: UnsafeMutablePointer<Float>
    ) {
        let a = SIMD8<Float>(repeating: k1), b = SIMD8<Float>(repeating: k2), c = SIMD8<Float>(repeating: k3)
        let s = SIMD8<Float>(repeating: shift), zero = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            var g = load8(dOut + i)
            if relu { g = g.replacing(with: 0, where: load8(output + i) .<= zero) }
            store8(a * g + b * (load8(x + i) - s) + c, dx + i)
            i += 8
        }
        while i < count {
            let g = relu && output[i] <= 0 ? 0 : dOut[i]
            dx[i] = k1 * g + k2 * (x[i] - shift) + k3
            i += 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The per-row part of NT-Xent: masked, max-subtracted softmax over one logit row and the fused
/// softmax–cross-entropy backward `p − onehot(positive)` written in place.
///
/// Works 16 lanes at a time with a Cephes-style `exp` (relative error about 1e-7), because the
/// (2N)² exponentials are the only non-BLAS work of the loss and must not dominate it.
enum NTXentRowKernel {
    typealias Vector = SIMD16<Float>

    /// Overwrites `logits[0..<count]` (the row `s_r·` = u_r·u_k / τ of anchor r) with
    /// `p_rk − [k = positive]`, where `p_r·` is the softmax over k ≠ `diagonal`; the diagonal
    /// becomes exactly 0 (it is excluded, not penalised).
    ///
    /// - Returns: the row loss `l_r = log Σ_{k≠r} exp(s_rk) − s_r,positive` and whether the
    ///   positive is strictly more similar than every negative (ties count as wrong).
    /// - Precondition: `diagonal != positive`, both `< count`.
    @inline(__always)
    static func softmaxCrossEntropyRow(
        _ logits: UnsafeMutablePointer<Float>, count: Int, diagonal: Int, positive: Int
    ) -> (loss: Float, positiveIsTop: Bool) {
        let positiveLogit = logits[positive]
        logits[diagonal] = -.infinity
        logits[positive] = -.infinity
        let negativeMax = maximum(logits, count: count)
        logits[positive] = positiveLogit
        let rowMax = max(negativeMax, positiveLogit)
        let sum = exponentiate(logits, count: count, subtracting: rowMax)
        let inverse = 1 / sum
        scale(logits, count: count, by: inverse)
        logits[positive] -= 1
        return (log(sum) + rowMax - positiveLogit, positiveLogit > negativeMax)
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// Largest element of `x[0..<count]` (−∞ for an all −∞ row).
    @inline(__always)
    static func maximum(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var best = Vector(repeating: -.infinity)
        var i = 0
        while i + Vector.scalarCount <= count {
            best = pointwiseMax(best, load(x + i))
            i += Vector.scalarCount
        }
        var result = best.max()
        while i < count {
            result = max(result, x[i])
            i += 1
        }
        return result
    }

    /// `x[k] = exp(x[k] − shift)` in place; returns Σ x[k] (summed in a fixed lane order, so the
    /// result does not depend on threads).
    @inline(__always)
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Float {
        var sum = Vector()
        var i = 0
        while i + Vector.scalarCount <= count {
            let e = exp(load(x + i) - shift)
            store(e, x + i)
            sum += e
            i += Vector.scalarCount
        }
        if i < count {
            var tail = Vector(repeating: -.infinity)
            for lane in 0..<(count - i) { tail[lane] = x[i + lane] - shift }
            let e = exp(tail)
            for lane in 0..<(count - i) { x[i + lane] = e[lane] }
            sum += e
        }
        return sum.sum()
    }

    /// `x[k] *= factor` in place.
    @inline(__always)
    static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var i = 0
        while i + Vector.scalarCount <= count {
            store(load(x + i) * factor, x + i)
            i += Vector.scalarCount
        }
        while i < count {
            x[i] *= factor
            i += 1
        }
    }

    /// `exp` lane by lane (Cephes `expf`: range reduction by ln 2 in two parts, degree-6
    /// polynomial, scale by 2ⁿ through the exponent bits). Arguments below −87.34 give exactly 0
    /// (so −∞ gives 0); arguments above 88.37 are clamped.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let low: Float = -87.336_54, high: Float = 88.376_26
        let underflows = x .< low
        let clamped = x.clamped(lowerBound: Vector(repeating: low), upperBound: Vector(repeating: high))
        let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        let r = clamped - n * 0.693_359_375 - n * -2.121_944_4e-4
        var y = Vector(repeating: 1.987_569_15e-4)
        y = y * r + 1.398_199_950_7e-3
        y = y * r + 8.333_451_907_3e-3
        y = y * r + 4.166_579_589_4e-2
        y = y * r + 1.666_666_545_9e-1
        y = y * r + 5.000_000_120_1e-1
        y = y * (r * r) + r + 1
        let bits = (SIMD16<Int32>(n) &+ 127) &<< 23
        let power = unsafeBitCast(bits, to: Vector.self)
        return (y * power).replacing(with: 0, where: underflows)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The per-row part of NT-Xent: the masked, max-subtracted exponentials of one logit row.
///
/// Works 4 lanes at a time (SSE, the baseline x86-64 target; wider Swift SIMD types spill to the
/// stack there) with a Cephes-style `exp` (relative error about 1e-7), because the (2N)²
/// exponentials are the only non-BLAS work of the loss and must not dominate it.
enum NTXentRowKernel {
    typealias Vector = SIMD4<Float>

    /// Overwrites `logits[0..<count]` (the row `s_r·` = u_r·u_k / τ of anchor r) with
    /// `exp(s_rk − max_k s_rk)`, the diagonal with exactly 0 (it is excluded from the
    /// denominator, not penalised); `decoupled` (DCL) also stores 0 for the positive and takes
    /// the maximum over the negatives only. The softmax row is then `logits · inverseSum`.
    ///
    /// - Returns: the row loss `l_r = log Σ exp(s_rk) − s_r,positive` (the sum over k ≠ r, and
    ///   also k ≠ positive when decoupled), `1 / Σ` of the stored exponentials (Σ ≥ 1: the
    ///   largest term is exp(0)), and whether the positive is strictly more similar than every
    ///   negative (ties count as misses).
    /// - Precondition: `diagonal != positive`, both `< count`; decoupled rows hold a negative.
    @inline(__always)
    static func exponentiateRow(
        _ logits: UnsafeMutablePointer<Float>, count: Int, diagonal: Int, positive: Int, decoupled: Bool
    ) -> (loss: Float, inverseSum: Float, positiveIsTop: Bool) {
        let positiveLogit = logits[positive]
        logits[diagonal] = -.infinity
        logits[positive] = -.infinity
        let negativeMax = maximum(logits, count: count)
        let rowMax: Float
        if decoupled {
            rowMax = negativeMax
        } else {
            logits[positive] = positiveLogit
            rowMax = max(negativeMax, positiveLogit)
        }
        let sum = exponentiate(logits, count: count, subtracting: rowMax)
        return (log(sum) + rowMax - positiveLogit, 1 / sum, positiveLogit > negativeMax)
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
            let v = load(x + i)
            best.replace(with: v, where: v .> best)
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

    /// `exp` lane by lane (Cephes `expf`: range reduction by ln 2 in two parts, degree-6
    /// polynomial, scale by 2ⁿ through the exponent bits) for arguments ≤ 0, as after the
    /// max subtraction. Arguments below −87.34 give exactly 0 (so −∞ gives 0). Rounding to an
    /// integer and the float-to-int conversion use the 1.5·2²³ trick, and the clamp a masked
    /// replace: Swift's generic SIMD conversions and `pointwiseMin/Max` are not inlined.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let low: Float = -87.336_54, magic: Float = 0x1.8p23
        let underflows = x .< low
        let clamped = x.replacing(with: low, where: underflows)
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693_359_375 - n * -2.121_944_4e-4
        var y = Vector(repeating: 1.987_569_15e-4)
        y = y * r + 1.398_199_950_7e-3
        y = y * r + 8.333_451_907_3e-3
        y = y * r + 4.166_579_589_4e-2
        y = y * r + 1.666_666_545_9e-1
        y = y * r + 5.000_000_120_1e-1
        y = y * (r * r) + r + 1
        // The low mantissa bits of `shifted` hold n (two's complement): 2ⁿ = (n + 127) << 23.
        let exponent = (unsafeBitCast(shifted, to: SIMD4<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        let power = unsafeBitCast(exponent, to: Vector.self)
        return (y * power).replacing(with: 0, where: underflows)
    }
}

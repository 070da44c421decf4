#if canImport(Glibc)
import Glibc
#endif

/// Gaussian blur with `σ ~ U(sigma)` and an odd kernel about `kernelFraction` of the view side,
/// applied with probability `probability` (torchvision `GaussianBlur` with reflect padding; SimCLR
/// App. A: kernel 10% of the side, σ ∈ [0.1, 2.0], p = 0.5). Off for views whose smaller side is
/// under `minimumSide` pixels (SimCLR leaves blur out on CIFAR-10's 32×32).
public struct GaussianBlur: Codable, Sendable, Equatable {
    /// Probability of blurring, in [0, 1].
    public var probability: Double
    /// Range of the standard deviation in pixels; positive.
    public var sigma: ClosedRange<Double>
    /// Kernel size as a fraction of the view's smaller side (rounded down, then up to odd, ≥ 3).
    public var kernelFraction: Double
    /// Views whose smaller side is below this many pixels are never blurred.
    public var minimumSide: Int

    public init(probability: Double = 0.5, sigma: ClosedRange<Double> = 0.1...2.0, kernelFraction: Double = 0.1, minimumSide: Int = 64) {
        self.probability = probability
        self.sigma = sigma
        self.kernelFraction = kernelFraction
        self.minimumSide = minimumSide
    }

    /// The odd kernel size for a view of `height` × `width`, or `nil` when blur is off for it.
    public func kernelSize(height: Int, width: Int) -> Int? {
        let side = min(height, width)
        guard probability > 0, side >= minimumSide else { return nil }
        var size = max(3, Int(kernelFraction * Double(side)))
        if size % 2 == 0 { size += 1 }
        return size
    }

    /// Draws σ when the view is to be blurred, `nil` otherwise.
    public func sample(using rng: inout SplitMix64) -> Double? {
        guard rng.nextDouble() < probability else { return nil }
        return rng.uniform(sigma.lowerBound, sigma.upperBound)
    }

    /// Fills `kernel[0..<size]` with torchvision's `_get_gaussian_kernel1d`: `exp(−x²/2σ²)` at
    /// `x = −(size−1)/2 … (size−1)/2`, normalised to sum 1.
    public static func fillKernel(_ kernel: UnsafeMutablePointer<Float>, size: Int, sigma: Double) {
        let half = Double(size - 1) / 2
        var total = 0.0
        for i in 0..<size {
            let x = (Double(i) - half) / sigma
            let w = exp(-0.5 * x * x)
            kernel[i] = Float(w)
            total += w
        }
        for i in 0..<size { kernel[i] = Float(Double(kernel[i]) / total) }
    }

    /// Index into `0..<n` after reflect padding (edge not repeated: −1 → 1, n → n−2).
    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - j
    }

    /// Blurs an HWC image in place, separably (rows, then columns), using `temporary` of the same size.
    static func apply(
        to pixels: UnsafeMutablePointer<Float>, height: Int, width: Int, channels: Int,
        kernel: UnsafePointer<Float>, size: Int, temporary: UnsafeMutablePointer<Float>
    ) {
        let c = channels, half = size / 2
        for y in 0..<height {
            let src = pixels + y * width * c, dst = temporary + y * width * c
            for x in 0..<width {
                for k in 0..<c {
                    var acc: Float = 0
                    for t in 0..<size { acc += kernel[t] * src[reflect(x + t - half, width) * c + k] }
                    dst[x * c + k] = acc
                }
            }
        }
        let rowLength = width * c
        for y in 0..<height {
            let dst = pixels + y * rowLength
            for i in 0..<rowLength { dst[i] = 0 }
            for t in 0..<size {
                let src = temporary + reflect(y + t - half, height) * rowLength
                let w = kernel[t]
                for i in 0..<rowLength { dst[i] += w * src[i] }
            }
        }
    }
}

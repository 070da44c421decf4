/// Per-channel standardisation `(x − mean[c]) / std[c]`, applied after every photometric op
/// (torchvision `Normalize`). Values are for samples in [0, 1].
public struct Normalization: Codable, Sendable, Equatable {
    /// One value per channel, or one value for all channels.
    public var mean: [Double]
    /// One positive value per channel, or one value for all channels.
    public var std: [Double]

    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }

    /// Fashion-MNIST training-set statistics, as the PyTorch peer uses (0.2860, 0.3530).
    public static let fashionMNIST = Normalization(mean: [0.2860], std: [0.3530])
    /// CIFAR-10 training-set per-channel mean and (population) standard deviation.
    public static let cifar10 = Normalization(mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616])
    /// ImageNet statistics used by torchvision's pretrained models.
    public static let imageNet = Normalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    /// Mean of channel `c` (the single value when only one is given).
    public func mean(channel c: Int) -> Double { mean.count == 1 ? mean[0] : mean[c] }
    /// Standard deviation of channel `c` (the single value when only one is given).
    public func std(channel c: Int) -> Double { std.count == 1 ? std[0] : std[c] }

    /// Normalises `pixelCount` HWC pixels in place as `(x − mean) · inverseStd`; `mean` and
    /// `inverseStd` (1 / std) already expanded to `channels`.
    static func apply(
        to pixels: UnsafeMutablePointer<Float>, pixelCount: Int, channels: Int,
        mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>
    ) {
        if channels == 1 {
            let m = mean[0], s = inverseStd[0]
            for i in 0..<pixelCount { pixels[i] = (pixels[i] - m) * s }
            return
        }
        for i in 0..<pixelCount {
            let p = pixels + i * channels
            for k in 0..<channels { p[k] = (p[k] - mean[k]) * inverseStd[k] }
        }
    }
}

import ArgumentParser
import Foundation
import SimCLR

/// The view pipeline's flags: a preset, then any parameter overridden by name.
struct AugmentationOptions: ParsableArguments {
    /// A closed range written `low,high`.
    struct Interval: ExpressibleByArgument {
        var range: ClosedRange<Double>

        init?(argument: String) {
            let parts = argument.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let low = parts[0], let high = parts[1], low <= high else { return nil }
            range = low...high
        }
    }

    /// A view size written `HxW` or `S` (square).
    struct ViewSize: ExpressibleByArgument {
        var size: AugmentationConfig.Size

        init?(argument: String) {
            let parts = argument.lowercased().split(separator: "x").map { Int($0) }
            guard (1...2).contains(parts.count), let h = parts[0], let w = parts.last!, h >= 1, w >= 1 else { return nil }
            size = .init(height: h, width: w)
        }
    }

    @Option(help: "Augmentation recipe: \(AugmentationConfig.Preset.allNames.joined(separator: ", ")).")
    var preset: String = AugmentationConfig.Preset.fashionMNIST.rawValue

    @Option(help: "View size HxW or S (default: the images' size; pretrain: --image-size). Pretrain views smaller than --image-size train faster, and the encoder is still evaluated at --image-size (FixRes).")
    var viewSize: ViewSize?
    @Option(help: "Crop area fraction range low,high.")
    var cropScale: Interval?
    @Option(help: "Crop aspect ratio (width/height) range low,high.")
    var cropRatio: Interval?
    @Option(help: "Horizontal flip probability.")
    var flipProbability: Double?
    @Option(help: "Colour jitter strength s: brightness, contrast, saturation 0.8s, hue 0.2s.")
    var jitterStrength: Double?
    @Option(help: "Brightness spread (after --jitter-strength).")
    var brightness: Double?
    @Option(help: "Contrast spread (after --jitter-strength).")
    var contrast: Double?
    @Option(help: "Saturation spread (after --jitter-strength).")
    var saturation: Double?
    @Option(help: "Hue spread in turns, at most 0.5 (after --jitter-strength).")
    var hue: Double?
    @Option(help: "Probability of applying the colour jitter.")
    var jitterProbability: Double?
    @Option(help: "Random grayscale probability.")
    var grayscaleProbability: Double?
    @Option(help: "Gaussian blur probability.")
    var blurProbability: Double?
    @Option(help: "Gaussian blur sigma range low,high in pixels.")
    var blurSigma: Interval?
    @Option(help: "Blur kernel size as a fraction of the view side.")
    var blurKernelFraction: Double?
    @Option(help: "No blur on views whose smaller side is below this many pixels.")
    var blurMinimumSide: Int?
    @Option(help: "Normalisation mean, one value or one per channel, comma-separated.")
    var normalizeMean: String?
    @Option(help: "Normalisation std, one value or one per channel, comma-separated.")
    var normalizeStd: String?

    /// The preset with every given flag applied (ranges are checked by the pipeline).
    ///
    /// - Throws: `AugmentationError.unknownPreset`, or `ValidationError` for a malformed list.
    func config() throws -> AugmentationConfig {
        var c = try AugmentationConfig.preset(named: preset)
        if let v = viewSize { c.outputSize = v.size }
        if let v = cropScale { c.crop.scale = v.range }
        if let v = cropRatio { c.crop.ratio = v.range }
        if let v = flipProbability { c.horizontalFlip.probability = v }
        if let s = jitterStrength { c.colorJitter = ColorJitter(strength: s, probability: c.colorJitter.probability) }
        if let v = brightness { c.colorJitter.brightness = v }
        if let v = contrast { c.colorJitter.contrast = v }
        if let v = saturation { c.colorJitter.saturation = v }
        if let v = hue { c.colorJitter.hue = v }
        if let v = jitterProbability { c.colorJitter.probability = v }
        if let v = grayscaleProbability { c.grayscale.probability = v }
        if let v = blurProbability { c.blur.probability = v }
        if let v = blurSigma { c.blur.sigma = v.range }
        if let v = blurKernelFraction { c.blur.kernelFraction = v }
        if let v = blurMinimumSide { c.blur.minimumSide = v }
        if let text = normalizeMean { c.normalization.mean = try Self.numbers(text, flag: "--normalize-mean") }
        if let text = normalizeStd { c.normalization.std = try Self.numbers(text, flag: "--normalize-std") }
        return c
    }

    private static func numbers(_ text: String, flag: String) throws -> [Double] {
        let parts = text.split(separator: ",")
        let values = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count == parts.count else {
            throw ValidationError("\(flag) '\(text)': expected comma-separated numbers")
        }
        return values
    }
}

import ArgumentParser
import SimCLR

/// `--preset` and the augmentation parameters that override it.
struct AugmentationOptions: ParsableArguments {
    @Option(help: "Augmentation recipe: fashion-mnist (alias gray28), cifar (cifar10), simclr (imagenet).")
    var preset: String = AugmentationConfig.Preset.fashionMNIST.rawValue

    @Option(help: ArgumentHelp("Random-resized-crop area range, as fractions of the image.", valueName: "min,max"))
    var cropScale: String?

    @Option(help: "Probability of a horizontal flip.")
    var flipProbability: Double?

    @Option(help: "Colour-jitter strength s: brightness, contrast, saturation 0.8·s, hue 0.2·s.")
    var jitterStrength: Double?

    @Option(help: "Probability of applying the colour jitter.")
    var jitterProbability: Double?

    @Option(help: "Probability of converting a view to grayscale.")
    var grayscaleProbability: Double?

    @Option(help: "Probability of a Gaussian blur (views of at least 64 px).")
    var blurProbability: Double?

    @Option(help: ArgumentHelp("Normalisation mean per channel, pixels scaled to 0…1.", valueName: "m[,m,m]"))
    var mean: String?

    @Option(help: ArgumentHelp("Normalisation standard deviation per channel.", valueName: "s[,s,s]"))
    var std: String?

    /// The preset with the given overrides, producing square views of `imageSize` pixels.
    ///
    /// - Throws: `ValidationError` naming the flag.
    func configuration(imageSize: Int) throws -> AugmentationConfig {
        var config: AugmentationConfig
        do {
            config = try AugmentationConfig.preset(named: preset)
        } catch {
            throw ValidationError("--preset: \(error)")
        }
        config.outputSize = .init(height: imageSize, width: imageSize)
        if let text = cropScale {
            let values = try Self.numbers(text, flag: "--crop-scale")
            guard values.count == 2, values[0] <= values[1] else {
                throw ValidationError("--crop-scale must be min,max with min ≤ max, got '\(text)'")
            }
            config.crop.scale = values[0]...values[1]
        }
        if let p = flipProbability { config.horizontalFlip.probability = p }
        if let s = jitterStrength {
            config.colorJitter = ColorJitter(strength: s, probability: config.colorJitter.probability)
        }
        if let p = jitterProbability { config.colorJitter.probability = p }
        if let p = grayscaleProbability { config.grayscale.probability = p }
        if let p = blurProbability { config.blur.probability = p }
        if let text = mean { config.normalization.mean = try Self.numbers(text, flag: "--mean") }
        if let text = std { config.normalization.std = try Self.numbers(text, flag: "--std") }
        do {
            try config.validate(channels: max(config.normalization.mean.count, config.normalization.std.count))
        } catch {
            throw ValidationError("\(error)")
        }
        return config
    }

    /// Comma-separated numbers.
    static func numbers(_ text: String, flag: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy(\.isFinite) else {
            throw ValidationError("\(flag) must be comma-separated numbers, got '\(text)'")
        }
        return values
    }
}

import SimCLR

/// Synthetic inputs for the augmentation tests.
enum AugmentTestData {
    /// `count` images of random pixels, labels `i % 3`.
    static func dataset(count: Int, height: Int, width: Int, channels: Int, seed: UInt64 = 11) -> ImageDataset {
        var rng = SplitMix64(seed: seed)
        let images = (0..<count).map { _ in
            DecodedImage(width: width, height: height, channels: channels,
                         pixels: (0..<(height * width * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        return ImageDataset(
            classNames: ["a", "b", "c"],
            samples: (0..<count).map { .init(relativePath: "img\($0).png", label: $0 % 3) },
            images: images, channels: channels)
    }

    /// `count` random floats in [0, 1).
    static func floats(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.nextFloat() }
    }

    /// A pipeline with every random op off and no normalisation effect (mean 0, std 1).
    static func plainConfig() -> AugmentationConfig {
        AugmentationConfig(
            crop: RandomResizedCrop(scale: 1...1, ratio: 1...1),
            horizontalFlip: RandomHorizontalFlip(probability: 0),
            colorJitter: ColorJitter(strength: 0, probability: 0),
            grayscale: RandomGrayscale(probability: 0),
            blur: GaussianBlur(probability: 0),
            normalization: Normalization(mean: [0], std: [1]))
    }
}

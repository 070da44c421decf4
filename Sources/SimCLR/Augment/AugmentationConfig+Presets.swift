extension AugmentationConfig {
    /// Named recipes, selectable with `--preset`.
    public enum Preset: String, CaseIterable, Sendable {
        /// Small grayscale images (Fashion-MNIST 28×28), the PyTorch peer's recipe: crop scale
        /// (0.2, 1.0), jitter strength 0.5, no blur, Fashion-MNIST mean/std. Also named `gray28`.
        case fashionMNIST = "fashion-mnist"
        /// CIFAR-style 32×32 RGB (SimCLR's CIFAR-10 recipe): default crop, jitter strength 0.5,
        /// grayscale p = 0.2, no blur, CIFAR-10 mean/std.
        case cifar
        /// The paper's ImageNet defaults: crop scale (0.08, 1.0), jitter strength 1.0, grayscale
        /// p = 0.2, blur p = 0.5 for views of at least 64 px, ImageNet mean/std.
        case simclr

        /// Other accepted names.
        public static let aliases: [String: Preset] = ["gray28": .fashionMNIST, "cifar10": .cifar, "imagenet": .simclr]

        /// Every accepted name, presets first.
        public static var allNames: [String] { allCases.map(\.rawValue) + aliases.keys.sorted() }

        /// The preset called `name` (a raw value or an alias).
        ///
        /// - Throws: `AugmentationError.unknownPreset` listing the accepted names.
        public init(named name: String) throws(AugmentationError) {
            guard let preset = Preset(rawValue: name) ?? Self.aliases[name] else {
                throw .unknownPreset(name: name, known: Self.allNames)
            }
            self = preset
        }

        public var config: AugmentationConfig {
            switch self {
            case .fashionMNIST:
                return AugmentationConfig(
                    crop: RandomResizedCrop(scale: 0.2...1.0),
                    colorJitter: ColorJitter(strength: 0.5),
                    blur: GaussianBlur(probability: 0),
                    normalization: .fashionMNIST)
            case .cifar:
                return AugmentationConfig(
                    colorJitter: ColorJitter(strength: 0.5),
                    blur: GaussianBlur(probability: 0),
                    normalization: .cifar10)
            case .simclr:
                return AugmentationConfig(normalization: .imageNet)
            }
        }
    }

    /// The recipe of a preset by name (`fashion-mnist`/`gray28`, `cifar`, `simclr`).
    ///
    /// - Throws: `AugmentationError.unknownPreset`.
    public static func preset(named name: String) throws(AugmentationError) -> AugmentationConfig {
        try Preset(named: name).config
    }
}

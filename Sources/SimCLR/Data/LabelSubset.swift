/// Which share of the training labels a fine-tuning run sees: a fraction of every class, a fixed
/// count per class, or all. Stored in checkpoints and reports (`label_fraction`, `labels_per_class`).
public struct LabelSubsetRule: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Fraction of each class's images, in (0, 1]; nil unless chosen.
    public var fraction: Double?
    /// Images per class, ≥ 1; nil unless chosen.
    public var perClass: Int?

    enum CodingKeys: String, CodingKey {
        case fraction = "label_fraction"
        case perClass = "labels_per_class"
    }

    /// Every labelled image.
    public static let all = LabelSubsetRule()

    public init(fraction: Double? = nil, perClass: Int? = nil) {
        self.fraction = fraction
        self.perClass = perClass
    }

    /// - Throws: `LabelSubsetError.invalidRule` when both or a value out of range is given.
    public func validate() throws(LabelSubsetError) {
        if fraction != nil && perClass != nil {
            throw .invalidRule("--label-fraction and --labels-per-class exclude each other")
        }
        if let fraction, !(fraction > 0 && fraction <= 1) {
            throw .invalidRule("--label-fraction must be in (0, 1], got \(fraction)")
        }
        if let perClass, perClass < 1 { throw .invalidRule("--labels-per-class must be at least 1, got \(perClass)") }
    }

    /// How many of a class's `available` images the rule takes: `round(fraction · available)`,
    /// `perClass`, or all.
    public func count(available: Int) -> Int {
        if let fraction { return fraction >= 1 ? available : Int((fraction * Double(available)).rounded()) }
        return perClass ?? available
    }

    public var description: String {
        if let fraction { return "\(fraction * 100)% of each class" }
        if let perClass { return "\(perClass) per class" }
        return "all labels"
    }
}

/// A class-balanced, seeded subset of a labelled dataset (the 1% / 10% label settings of SimCLR,
/// Chen et al. 2020, arXiv 2002.05709, §4): each class contributes `rule.count(available:)` images
/// drawn without replacement by a seeded shuffle of that class's images, so the same seed and rule
/// give the same files whatever the other classes hold.
public struct LabelSubset: Sendable, Equatable {
    /// Selected dataset indices, ascending (dataset order).
    public let indices: [Int]
    /// Selected images per class, `[K]`.
    public let countsPerClass: [Int]

    /// - Parameters:
    ///   - labels: `[n]` class of every image.
    ///   - classNames: the K class names (for messages).
    ///   - seed: the run's seed; class c shuffles with `SplitMix64(seed).derived(3).derived(c)`.
    /// - Throws: `LabelSubsetError` when the rule is invalid, a class has no image, the rule would
    ///   leave a class without one, or asks for more images than a class holds.
    public init(labels: [Int], classNames: [String], rule: LabelSubsetRule, seed: UInt64) throws(LabelSubsetError) {
        try rule.validate()
        var byClass = [[Int]](repeating: [], count: classNames.count)
        for (index, label) in labels.enumerated() { byClass[label].append(index) }
        var selected: [Int] = []
        var counts: [Int] = []
        for (c, members) in byClass.enumerated() {
            guard !members.isEmpty else { throw .emptyClass(name: classNames[c]) }
            let wanted = rule.count(available: members.count)
            guard wanted >= 1 else {
                throw .classLeftEmpty(name: classNames[c], available: members.count, rule: rule.description)
            }
            guard wanted <= members.count else {
                throw .notEnoughImages(name: classNames[c], available: members.count, requested: wanted)
            }
            var rng = SplitMix64(seed: seed).derived(3).derived(UInt64(c))
            let order = AugmentationRandom.permutation(members.count, using: &rng)
            selected += order.prefix(wanted).map { members[$0] }
            counts.append(wanted)
        }
        indices = selected.sorted()
        countsPerClass = counts
    }

    /// The selected images of `dataset` (same classes, dataset order).
    public func apply(to dataset: ImageDataset) -> ImageDataset {
        ImageDataset(
            classNames: dataset.classNames, samples: indices.map { dataset.samples[$0] },
            images: indices.map { dataset.images[$0] }, channels: dataset.channels)
    }
}

/// Why a label subset cannot be drawn; each case names the class.
public enum LabelSubsetError: Error, CustomStringConvertible, Equatable {
    case invalidRule(String)
    /// The training folder has no image of this class.
    case emptyClass(name: String)
    /// The rule rounds this class's share down to no image.
    case classLeftEmpty(name: String, available: Int, rule: String)
    /// `--labels-per-class` asks for more images than the class holds.
    case notEnoughImages(name: String, available: Int, requested: Int)

    public var description: String {
        switch self {
        case .invalidRule(let message): return message
        case .emptyClass(let name):
            return "class '\(name)' of the training folder has no image; every class needs at least one labelled image"
        case .classLeftEmpty(let name, let available, let rule):
            return "\(rule) leaves class '\(name)' (\(available) images) without an image\n---> HINT: raise --label-fraction or use --labels-per-class."
        case .notEnoughImages(let name, let available, let requested):
            return "class '\(name)' has \(available) images, fewer than the \(requested) asked for per class"
        }
    }
}

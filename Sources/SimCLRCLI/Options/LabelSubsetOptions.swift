import ArgumentParser
import SimCLR

/// `--label-fraction` / `--labels-per-class`: which share of the training labels `finetune` and
/// `probe` use (the 1% / 10% settings of SimCLR). The rule and its range checks live in
/// `LabelSubsetRule`; the subset is drawn by `LabelSubset` with the command's `--seed`.
struct LabelSubsetOptions: ParsableArguments {
    @Option(help: "Fraction of each class's training images that keep their label, in (0, 1] (default: all).")
    var labelFraction: Double?

    @Option(help: "Labelled training images per class (instead of --label-fraction).")
    var labelsPerClass: Int?

    /// The rule given, if any.
    var rule: LabelSubsetRule? {
        labelFraction == nil && labelsPerClass == nil ? nil : LabelSubsetRule(fraction: labelFraction, perClass: labelsPerClass)
    }

    func validate() throws {
        do {
            try (rule ?? .all).validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

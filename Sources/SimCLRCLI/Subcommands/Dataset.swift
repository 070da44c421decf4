import ArgumentParser

extension SimCLRCommand {
    struct Dataset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check and import image datasets (ImageFolder trees of PNGs).",
            subcommands: [Inspect.self, ImportIDX.self])
    }
}

import ArgumentParser
import SimCLR

@main
struct SimCLRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simclr",
        abstract: "Self-supervised image representation learning (SimCLR) on the CPU.",
        subcommands: [
            Dataset.self,
            Probe.self,
            Embed.self,
            Bench.self,
            ProbeFeatures.self,
        ]
    )
}

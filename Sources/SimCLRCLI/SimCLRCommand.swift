import ArgumentParser
import SimCLR

@main
struct SimCLRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simclr",
        abstract: "Self-supervised image representation learning (SimCLR) on the CPU.",
        subcommands: [Pretrain.self, Export.self, Bench.self]
    )
}

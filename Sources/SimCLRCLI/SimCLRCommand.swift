import ArgumentParser
import SimCLR

@main
struct SimCLRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simclr",
        abstract: "Self-supervised image representation learning (SimCLR) on the CPU.",
        subcommands: [
            Dataset.self,
            Pretrain.self,
            Export.self,
            Probe.self,
            Finetune.self,
            Classify.self,
            Embed.self,
            Retrieval.self,
            Verify.self,
            AugmentPreview.self,
            Bench.self,
            ProbeFeatures.self,
        ]
    )
}

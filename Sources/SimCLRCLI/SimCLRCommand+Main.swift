import ArgumentParser
import Foundation
import SimCLRMPI

extension SimCLRCommand {
    /// Chooses the OpenBLAS kernels (possibly re-executing) before argument parsing does any
    /// work, refuses a launch that would run K unconnected copies (`LaunchEnvironment`), then
    /// runs as `ParsableCommand.main` does.
    static func main() {
        BLASCoreLauncher.prepare()
        let arguments = CommandLine.arguments.dropFirst()
        if let subcommand = arguments.first(where: { !$0.hasPrefix("-") }),
            let reason = LaunchEnvironment.refusal(subcommand: subcommand)
        {
            FileHandle.standardError.write(Data("Error: \(reason)\n".utf8))
            Foundation.exit(64)
        }
        main(nil)
    }
}

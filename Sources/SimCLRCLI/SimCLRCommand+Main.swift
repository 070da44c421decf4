import ArgumentParser

extension SimCLRCommand {
    /// Chooses the OpenBLAS kernels (possibly re-executing) before argument parsing does any
    /// work, then runs as `ParsableCommand.main` does.
    static func main() {
        BLASCoreLauncher.prepare()
        main(nil)
    }
}

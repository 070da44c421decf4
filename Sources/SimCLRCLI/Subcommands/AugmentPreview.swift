import ArgumentParser
import SimCLR

extension SimCLRCommand {
    struct AugmentPreview: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "augment-preview",
            abstract: "Write a PNG grid of images and their two augmented views.",
            discussion: """
                Each row shows an original image, view 1 and view 2: the first --count images of \
                epoch 0's shuffle and exactly the views the training loader makes of them with the \
                same --seed and augmentation flags, before normalisation, scaled up by nearest \
                neighbour.
                """)

        @Option(help: "ImageFolder root (root/<class>/*.png).")
        var data: String = "datasets/fashion-mnist-mini/train"

        @Option(help: "Output PNG file.")
        var out: String

        @Option(help: "Rows (images) in the grid.")
        var count: Int = 8

        @Option(help: "Seed of the shuffle and of the views (as pretrain's --seed).")
        var seed: UInt64 = 0

        @Option(help: "Integer magnification of each cell (default: about 128 px per cell).")
        var scale: Int?

        @OptionGroup var augmentation: AugmentationOptions
        @OptionGroup var loading: ImageFolderLoadOptions
        @OptionGroup var runtime: RuntimeOptions

        func validate() throws {
            guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
            if let scale, scale < 1 { throw ValidationError("--scale must be at least 1, got \(scale)") }
        }

        func run() throws {
            runtime.apply()
            let dataset = try loading.load(root: data)
            let grid = try AugmentationPreview.grid(
                dataset: dataset, config: augmentation.config(), seed: seed, count: count, scale: scale)
            try PNG.write(grid, to: out)
            print("wrote \(out) (\(grid.width)x\(grid.height), \(min(count, dataset.count)) rows: original, view 1, view 2)")
        }
    }
}

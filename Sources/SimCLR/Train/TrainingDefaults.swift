/// The defaults of a pretraining run, in one place: `TrainingConfiguration`'s initialiser, the
/// losses' settings and the command-line help all read these constants.
///
/// The optimizer-dependent ones (learning rate, its batch-size scaling, weight decay) are in
/// `TrainingConfiguration.defaults(for:)`; the augmentation defaults are the presets'.
public enum TrainingDefaults {
    /// Passes over the dataset.
    public static let epochs = 5
    /// N, images per step (2N views); SimCLR's CIFAR-10 runs use 256–1024.
    public static let batchSize = 256
    /// NT-Xent temperature τ (SimCLR, arXiv 2002.05709, Table 5: 0.5 for CIFAR-10).
    public static let temperature: Float = 0.5
    /// Positives from the views (self-supervised SimCLR), not from labels.
    public static let supervision = Supervision.views
    /// Triplet mining: the farthest positive and nearest negative of each anchor.
    public static let mining = TripletMining.batchHard
    /// Margin of the contrastive and triplet losses, in embedding-distance units.
    public static let margin: Float = 1
    /// Momentum of SGD and LARS.
    public static let momentum = 0.9
    /// LARS trust coefficient η (You et al. 2017, arXiv 1708.03888: 0.001).
    public static let trustCoefficient = 0.001
    /// Epochs of linear warmup for a run of `epochs`: a tenth (SimCLR: 10 of 100 epochs).
    public static func warmupEpochs(epochs: Int) -> Double { Double(epochs) / 10 }
    /// Seed of the weights, the data order and every view.
    public static let seed: UInt64 = 0
    /// Channel widths of the three ResNet-mini stages.
    public static let widths = [32, 64, 128]
    /// Side of the square views, in pixels (Fashion-MNIST's 28).
    public static let imageSize = 28
    /// P, the size of the projection z.
    public static let projectionDim = 128
    /// K, small multi-crop views per image besides the two full-size ones: none (plain SimCLR).
    public static let smallCrops = 0
    /// Side of the small multi-crop views, in pixels (about 0.57 of Fashion-MNIST's 28, as SwAV's
    /// 96 of 160–224).
    public static let smallCropSize = 16
    /// Crop area range of the small views, as a fraction of the image area (DINO's
    /// `local_crops_scale` default).
    public static let smallCropScale = 0.05...0.4
    /// The ImageFolder the command-line tool trains on when given none.
    public static let data = "datasets/fashion-mnist-mini/train"
}

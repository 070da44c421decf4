import SimCLR

/// The training and test ImageFolders of `probe`, loaded with the encoder's channel count.
struct ProbeDatasets {
    var train: ImageDataset
    var test: ImageDataset
    var trainPath: String
    var testPath: String

    /// - Parameters:
    ///   - channels: the encoder's input channels (nil: as the images come).
    ///   - skipBadImages: skip (and list) files that fail to decode instead of stopping.
    /// - Throws: `DatasetError` from loading, `ProbeInputError.classMismatch` if the class folders
    ///   differ, `.tooFewClasses` for fewer than 2 classes, `.emptySet` for a folder without images.
    static func load(train: String, test: String, channels: Int?, skipBadImages: Bool = false) throws -> ProbeDatasets {
        let options = ImageFolderOptions(
            channels: channels.map { $0 == 1 ? .grayscale : .rgb } ?? .automatic, skipBadImages: skipBadImages)
        let trainSet = try ImageDataset.loadImageFolder(root: train, options: options)
        let testSet = try ImageDataset.loadImageFolder(root: test, options: options)
        for line in trainSet.report.warnings + testSet.report.warnings { print("warning: \(line)") }
        guard trainSet.dataset.classNames == testSet.dataset.classNames else {
            throw ProbeInputError.classMismatch(path: test, found: testSet.dataset.classNames, expected: trainSet.dataset.classNames)
        }
        // Before any feature is computed: the probe's softmax needs two classes and both sets images.
        try ProbeInputCheck.labels(trainSet.dataset.labels, classCount: trainSet.dataset.classNames.count, path: train)
        for (set, path) in [(trainSet.dataset, train), (testSet.dataset, test)] where set.count == 0 {
            throw ProbeInputError.emptySet(path: path)
        }
        print("train: \(trainSet.dataset.count) images, test: \(testSet.dataset.count) images, \(trainSet.dataset.classNames.count) classes")
        return ProbeDatasets(train: trainSet.dataset, test: testSet.dataset, trainPath: train, testPath: test)
    }

    /// The default resnet-mini for these images, initialised from `seed` as `simclr pretrain`
    /// would, normalised with the training set's pixel mean/std.
    ///
    /// - Throws: `ProbeInputError` if the training images do not share one size.
    func defaultEncoderDescription(seed: UInt64) throws -> EncoderDescription {
        try EncoderDescription.defaultDescription(for: train, path: trainPath, seed: seed)
    }
}

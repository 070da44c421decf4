import SimCLR
import Testing

@Suite struct FeatureStandardizerTests {
    @Test func usesPopulationStatisticsAndLeavesConstantFeaturesUnscaled() {
        // Feature 0: values 1, 3 → mean 2, population std 1. Feature 1: constant 5.
        let train = Tensor(shape: [2, 2], data: [1, 5, 3, 5])
        let standardizer = FeatureStandardizer(fitting: train)
        #expect(standardizer.mean == [2, 5])
        #expect(standardizer.scale == [1, 1])
        #expect(standardizer.applied(to: train).data == [-1, 0, 1, 0])
    }

    @Test func appliesTrainStatisticsToOtherData() {
        let train = Tensor(shape: [4, 1], data: [0, 2, 4, 6])  // mean 3, std √5
        let test = Tensor(shape: [2, 1], data: [100, 200])
        let standardizer = FeatureStandardizer(fitting: train)
        let out = standardizer.applied(to: test)
        let s = Float(5).squareRoot()
        #expect(abs(out.data[0] - 97 / s) < 1e-4 && abs(out.data[1] - 197 / s) < 1e-4)
        // The test set's own statistics would have centred it: they must not be used.
        #expect(standardizer == FeatureStandardizer(fitting: train))
    }

    @Test func pixelNormalizationIsPerChannelOverAllPixels() {
        // Channel 0: 0 and 255 → mean 0.5, std 0.5. Channel 1: constant 51 → mean 0.2, std 1.
        let image = DecodedImage(width: 2, height: 1, channels: 2, pixels: [0, 51, 255, 51])
        let dataset = ImageDataset(classNames: ["a"], samples: [.init(relativePath: "a/x.png", label: 0)], images: [image], channels: 2)
        let normalization = dataset.pixelNormalization()
        #expect(abs(normalization.mean[0] - 0.5) < 1e-12 && abs(normalization.std[0] - 0.5) < 1e-12)
        #expect(abs(normalization.mean[1] - 0.2) < 1e-12 && normalization.std[1] == 1)
    }
}

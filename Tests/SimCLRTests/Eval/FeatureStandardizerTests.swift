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
}

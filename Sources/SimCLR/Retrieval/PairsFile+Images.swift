import Foundation

extension PairsFile {
    /// The images a list of pairs refers to, each decoded once.
    public struct Images: Sendable {
        /// The distinct images in order of first use, as one dataset (a single class "pairs").
        public var dataset: ImageDataset
        /// For pair p, the dataset index of its first and second image.
        public var first: [Int]
        public var second: [Int]
    }

    /// Decodes every image `pairs` names under `root` with `channels` channels (grayscale images
    /// are replicated for a 3-channel encoder), checking first that every file exists so that
    /// nothing is decoded for a file with a typo.
    ///
    /// - Parameter path: the pairs file, named in errors.
    /// - Throws: `PairsFileError.badImage` naming the line of the first pair that uses a missing,
    ///   undecodable or (for `channels` 1) RGB image.
    public static func images(
        for pairs: [VerificationPair], root: String, channels: Int, path: String
    ) throws(PairsFileError) -> Images {
        var index: [String: Int] = [:]
        var paths: [String] = []
        var firstLine: [Int] = []
        var first: [Int] = [], second: [Int] = []
        func lookUp(_ image: String, line: Int) throws(PairsFileError) -> Int {
            if let known = index[image] { return known }
            let full = root + "/" + image
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw .badImage(path: path, line: line, image: image, reason: "no such file under \(root)")
            }
            index[image] = paths.count
            paths.append(image)
            firstLine.append(line)
            return paths.count - 1
        }
        for pair in pairs {
            first.append(try lookUp(pair.first, line: pair.line))
            second.append(try lookUp(pair.second, line: pair.line))
        }
        let results = PNGBatchDecoder.decode(paths: paths.map { root + "/" + $0 }, stopAtFirstError: true)
        var images: [DecodedImage] = []
        for (i, result) in results.enumerated() {
            switch result {
            case .success(var image):
                if image.channels != channels {
                    guard channels == 3 else {
                        throw .badImage(path: path, line: firstLine[i], image: paths[i],
                                        reason: "RGB image, the encoder takes 1 channel")
                    }
                    image = ChannelPolicy.replicatedToRGB(image)
                }
                images.append(image)
            case .failure(let error):
                throw .badImage(path: path, line: firstLine[i], image: paths[i], reason: "\(error)")
            case nil:
                continue  // not attempted: an earlier file failed
            }
        }
        let dataset = ImageDataset(
            classNames: ["pairs"], samples: paths.map { ImageDataset.Sample(relativePath: $0, label: 0) },
            images: images, channels: channels)
        return Images(dataset: dataset, first: first, second: second)
    }
}

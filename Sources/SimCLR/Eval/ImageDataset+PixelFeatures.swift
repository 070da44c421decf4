extension ImageDataset {
    /// The height and width shared by every image.
    ///
    /// - Throws: `ProbeInputError.emptySet` for no images, `.imageSizeMismatch` naming the first
    ///   image whose size differs from the first image's.
    public func commonImageSize(path: String) throws(ProbeInputError) -> (height: Int, width: Int) {
        guard let first = images.first else { throw .emptySet(path: path) }
        for (sample, image) in zip(samples, images) where image.height != first.height || image.width != first.width {
            throw .imageSizeMismatch(
                path: path, file: sample.relativePath, found: [image.height, image.width, image.channels],
                expected: [first.height, first.width, first.channels])
        }
        return (first.height, first.width)
    }

    /// The raw-pixel baseline: every image flattened (HWC) and scaled to [0, 1], `[n, H·W·C]`.
    ///
    /// - Throws: `ProbeInputError` if the images do not all have one size.
    public func pixelFeatures(path: String) throws(ProbeInputError) -> Tensor {
        let (height, width) = try commonImageSize(path: path)
        let size = height * width * channels
        var features = Tensor(shape: [count, size])
        features.withUnsafeMutableBufferPointer { out in
            for (i, image) in images.enumerated() {
                image.pixels.withUnsafeBufferPointer { pixels in
                    let row = out.baseAddress! + i * size
                    for p in 0..<size { row[p] = Float(pixels[p]) * (1 / 255) }
                }
            }
        }
        return features
    }
}

extension ImageDataset {
    /// Per-channel mean and population standard deviation of all pixels scaled to [0, 1] (a
    /// constant channel gets std 1): the normalisation for an encoder with no `encoder.json`.
    public func pixelNormalization() -> Normalization {
        var sum = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        var count = 0
        for image in images {
            image.pixels.withUnsafeBufferPointer { pixels in
                for p in 0..<(image.width * image.height) {
                    for c in 0..<channels {
                        let value = Double(pixels[p * channels + c]) / 255
                        sum[c] += value
                        squares[c] += value * value
                    }
                }
            }
            count += image.width * image.height
        }
        let n = Double(max(count, 1))
        let mean = sum.map { $0 / n }
        let std = zip(squares, mean).map { square, m in
            let deviation = max(0, square / n - m * m).squareRoot()
            return deviation > 1e-6 ? deviation : 1
        }
        return Normalization(mean: mean, std: std)
    }
}

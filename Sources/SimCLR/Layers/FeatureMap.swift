/// Activations in the model's internal channel-major layout `[C, N, H, W]` ("CNHW"): channel c of
/// the whole batch is one contiguous row of `N·H·W` values.
///
/// Why this layout: a convolution becomes `weights [OC, C·K²] × columns [C·K², N·OH·OW]`, whose
/// result is already CNHW (the wide-output GEMM orientation, faster than `[N·H·W, C·K²] × [C·K², OC]`
/// for the narrow layers), and BatchNorm statistics are a sequential pass over one row per channel.
/// Feature vectors (after pooling, in the projection head) are the case `H = W = 1`, i.e. `[D, N]`.
///
/// A `FeatureMap` owns its storage and is reused across steps: `resize` only reallocates when the
/// new shape needs more room than it has (buffers are planned once per batch shape).
public final class FeatureMap {
    public private(set) var channels = 0
    public private(set) var batch = 0
    public private(set) var height = 0
    public private(set) var width = 0
    /// Start of the `channels · batch · height · width` elements.
    public private(set) var storage: UnsafeMutablePointer<Float>
    private var capacity = 0

    public init(channels: Int = 0, batch: Int = 0, height: Int = 1, width: Int = 1) {
        storage = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        capacity = 1
        resize(channels: channels, batch: batch, height: height, width: width)
    }

    deinit { storage.deallocate() }

    /// Number of elements.
    public var count: Int { channels * batch * height * width }
    /// Elements per channel row: `N·H·W`.
    public var rowLength: Int { batch * height * width }
    /// Elements per image within a channel row: `H·W`.
    public var planeSize: Int { height * width }

    /// Sets the shape; contents are unspecified afterwards unless the shape is unchanged.
    public func resize(channels: Int, batch: Int, height: Int, width: Int) {
        precondition(
            channels >= 0 && batch >= 0 && height >= 1 && width >= 1,
            "FeatureMap: bad shape [C \(channels), N \(batch), H \(height), W \(width)]")
        let needed = channels * batch * height * width
        if needed > capacity {
            storage.deallocate()
            storage = UnsafeMutablePointer<Float>.allocate(capacity: needed)
            capacity = needed
        }
        self.channels = channels
        self.batch = batch
        self.height = height
        self.width = width
    }

    /// Gives this map the shape of `other`.
    public func resize(like other: FeatureMap) {
        resize(channels: other.channels, batch: other.batch, height: other.height, width: other.width)
    }

    /// Sets every element to zero.
    public func zero() { storage.update(repeating: 0, count: count) }

    /// Fills from an image batch `[N, H, W, C]` (NHWC), resizing to match.
    public func load(nhwc tensor: Tensor) {
        precondition(tensor.rank == 4, "FeatureMap.load(nhwc:) needs [N, H, W, C], got \(tensor.shape)")
        let (n, h, w, c) = (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
        resize(channels: c, batch: n, height: h, width: w)
        let out = SendablePointer(storage)
        tensor.withUnsafeBufferPointer { source in
            let input = SendableConstPointer(source.baseAddress!)
            let plane = h * w
            // Each chunk writes the rows of its own images (disjoint n ranges).
            Parallel.forEachChunk(n) { images in
                for image in images {
                    for pixel in 0..<plane {
                        for channel in 0..<c {
                            out.base[(channel * n + image) * plane + pixel] =
                                input.base[(image * plane + pixel) * c + channel]
                        }
                    }
                }
            }
        }
    }

    /// Fills from row-major feature vectors `[N, D]`, giving the shape `[D, N, 1, 1]`.
    public func load(rows tensor: Tensor) {
        precondition(tensor.rank == 2, "FeatureMap.load(rows:) needs [N, D], got \(tensor.shape)")
        let (n, d) = (tensor.shape[0], tensor.shape[1])
        resize(channels: d, batch: n, height: 1, width: 1)
        tensor.withUnsafeBufferPointer { source in
            for image in 0..<n {
                for feature in 0..<d { storage[feature * n + image] = source[image * d + feature] }
            }
        }
    }

    /// The contents as an image batch `[N, H, W, C]` (NHWC).
    public func nhwcTensor() -> Tensor {
        let (n, h, w, c) = (batch, height, width, channels)
        var result = Tensor(shape: [n, h, w, c])
        let plane = h * w
        let input = SendableConstPointer(UnsafePointer(storage))
        result.withUnsafeMutableBufferPointer { target in
            let out = SendablePointer(target.baseAddress!)
            // Each chunk writes the pixels of its own images (disjoint n ranges).
            Parallel.forEachChunk(n) { images in
                for image in images {
                    for pixel in 0..<plane {
                        for channel in 0..<c {
                            out.base[(image * plane + pixel) * c + channel] =
                                input.base[(channel * n + image) * plane + pixel]
                        }
                    }
                }
            }
        }
        return result
    }

    /// The contents of a `[D, N, 1, 1]` map as row-major feature vectors `[N, D]`.
    public func rowsTensor() -> Tensor {
        precondition(planeSize == 1, "FeatureMap.rowsTensor needs H = W = 1, got \(height)×\(width)")
        var result = Tensor(shape: [batch, channels])
        result.withUnsafeMutableBufferPointer { target in
            for image in 0..<batch {
                for feature in 0..<channels { target[image * channels + feature] = storage[feature * batch + image] }
            }
        }
        return result
    }
}

/// How an image dataset reaches its single channel count (DESIGN.md, "Images").
public enum ChannelPolicy: Sendable, Equatable {
    /// RGB (3) if any image is RGB, else grayscale (1); grayscale images are replicated.
    case automatic
    /// Always 3 channels; grayscale images are replicated to R = G = B.
    case rgb
    /// Always 1 channel; an RGB image is an error (`DatasetError.rgbInGrayscaleDataset`).
    case grayscale
    /// Always 1 channel; RGB images are converted with ITU-R 601 luma (`--channels 1`).
    case convertToGrayscale

    /// Replicates a 1-channel image to 3 channels (R = G = B).
    public static func replicatedToRGB(_ image: DecodedImage) -> DecodedImage {
        precondition(image.channels == 1, "replicatedToRGB: expected 1 channel, got \(image.channels)")
        let count = image.width * image.height
        let pixels = [UInt8](unsafeUninitializedCapacity: 3 * count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { gray in
                for i in 0..<count {
                    out[3 * i] = gray[i]
                    out[3 * i + 1] = gray[i]
                    out[3 * i + 2] = gray[i]
                }
            }
            initialized = 3 * count
        }
        return DecodedImage(width: image.width, height: image.height, channels: 3, pixels: pixels)
    }

    /// Converts a 3-channel image to gray with ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B,
    /// in Pillow's fixed point (`convert("L")`): `(19595 R + 38470 G + 7471 B + 32768) >> 16`.
    public static func luma(_ image: DecodedImage) -> DecodedImage {
        precondition(image.channels == 3, "luma: expected 3 channels, got \(image.channels)")
        let count = image.width * image.height
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { rgb in
                for i in 0..<count {
                    let y = 19595 * Int(rgb[3 * i]) + 38470 * Int(rgb[3 * i + 1]) + 7471 * Int(rgb[3 * i + 2])
                    out[i] = UInt8((y + 32768) >> 16)
                }
            }
            initialized = count
        }
        return DecodedImage(width: image.width, height: image.height, channels: 1, pixels: pixels)
    }
}

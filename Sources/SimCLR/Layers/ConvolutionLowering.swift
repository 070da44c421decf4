/// Sizes of one convolution over a `[C, N, H, W]` batch (legend as in `Conv2D`).
struct ConvolutionGeometry: Sendable {
    var channels, batch, height, width, kernelSize, stride, padding, outputHeight, outputWidth: Int

    /// Rows of the im2col matrix: `C·K·K`.
    var rows: Int { channels * kernelSize * kernelSize }
    var inputPlane: Int { height * width }
    var outputPlane: Int { outputHeight * outputWidth }

    /// Stride 1 with output size = input size ("same" padding): each im2col row of an image is
    /// the input plane shifted by a constant in flattened index, with the wrapped edge columns
    /// zeroed, which `ConvolutionLowering` copies plane-wide instead of row by row.
    var isShiftedPlane: Bool { stride == 1 && outputHeight == height && outputWidth == width }

    /// The flattened shift `(kh − p)·W + (kw − p)` of kernel tap (kh, kw) on a shifted plane.
    @inline(__always)
    func planeShift(kh: Int, kw: Int) -> Int { (kh - padding) * width + (kw - padding) }

    /// Output columns `ow` whose input column `ow·stride − padding + kw` lies inside `0..<W`.
    @inline(__always)
    func validColumns(kw: Int) -> Range<Int> {
        let offset = padding - kw
        // Clamped: a kernel wider than a 1-pixel-wide map can put the first valid column past the row.
        let low = min(outputWidth, offset > 0 ? (offset + stride - 1) / stride : 0)
        let last = width - 1 + offset
        let high = last < 0 ? 0 : min(outputWidth, last / stride + 1)
        return low..<max(low, high)
    }
}

/// im2col / col2im over the channel-major layout, on the calling thread (a convolution runs them
/// inside its batch tasks, see `BatchTasks`).
enum ConvolutionLowering {
    /// `columns[(c, kh, kw), (n − images.lowerBound, oh, ow)] = x[c, n, oh·s − p + kh, ow·s − p + kw]`
    /// (0 outside the image), a `[C·K², images.count·OH·OW]` row-major matrix.
    static func im2col(
        _ input: UnsafePointer<Float>, _ g: ConvolutionGeometry, images: Range<Int>,
        columns: UnsafeMutablePointer<Float>
    ) {
        let width = images.count * g.outputPlane
        let kk = g.kernelSize * g.kernelSize
        for r in 0..<g.rows {
            let c = r / kk, kh = (r / g.kernelSize) % g.kernelSize, kw = r % g.kernelSize
            let valid = g.validColumns(kw: kw)
            let shift = kw - g.padding
            var out = columns + r * width
            if g.isShiftedPlane {
                let offset = g.planeShift(kh: kh, kw: kw), plane = g.inputPlane
                let first = min(plane, max(0, -offset)), end = max(first, min(plane, plane - offset))
                for n in images {
                    let shifted = input + (c * g.batch + n) * plane + offset
                    for j in 0..<first { out[j] = 0 }
                    for j in first..<end { out[j] = shifted[j] }
                    for j in end..<plane { out[j] = 0 }
                    ConvolutionLowering.zeroWrappedColumns(out, g, valid: valid)
                    out += plane
                }
                continue
            }
            for n in images {
                let plane = input + (c * g.batch + n) * g.inputPlane
                let planeEnd = plane + g.inputPlane
                for oh in 0..<g.outputHeight {
                    let ih = oh * g.stride - g.padding + kh
                    if ih < 0 || ih >= g.height {
                        out.update(repeating: 0, count: g.outputWidth)
                    } else {
                        let row = plane + ih * g.width
                        if valid.lowerBound > 0 { out.update(repeating: 0, count: valid.lowerBound) }
                        if g.stride == 1 {
                            (out + valid.lowerBound).update(from: row + valid.lowerBound + shift, count: valid.count)
                        } else if g.stride == 2 {
                            ConvolutionLowering.gatherEven(UnsafePointer(row + shift), out, valid, end: planeEnd)
                        } else {
                            for ow in valid { out[ow] = row[ow * g.stride + shift] }
                        }
                        if valid.upperBound < g.outputWidth {
                            (out + valid.upperBound).update(repeating: 0, count: g.outputWidth - valid.upperBound)
                        }
                    }
                    out += g.outputWidth
                }
            }
        }
    }

    /// Zeroes, in one image's `[OH, OW]` block of an im2col row, the columns outside `valid`
    /// (where the flattened shift wrapped into the neighbouring image row).
    @inline(__always)
    static func zeroWrappedColumns(_ block: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry, valid: Range<Int>) {
        if valid.lowerBound == 0 && valid.upperBound == g.outputWidth { return }
        for oh in 0..<g.outputHeight {
            let row = block + oh * g.outputWidth
            for ow in 0..<valid.lowerBound { row[ow] = 0 }
            for ow in valid.upperBound..<g.outputWidth { row[ow] = 0 }
        }
    }

    /// The adjoint of `im2col`: sets `dx[c, n, ·, ·]` for `n` in `images` to the sum of the
    /// column entries that read each input element. Entries that read padding may be zeroed in
    /// `columns` (scratch).
    static func col2im(
        _ columns: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry, images: Range<Int>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let width = images.count * g.outputPlane
        let kk = g.kernelSize * g.kernelSize
        for c in 0..<g.channels {
            for n in images { (inputGradient + (c * g.batch + n) * g.inputPlane).update(repeating: 0, count: g.inputPlane) }
            for kh in 0..<g.kernelSize {
                for kw in 0..<g.kernelSize {
                    let valid = g.validColumns(kw: kw)
                    let shift = kw - g.padding
                    var column = columns + (c * kk + kh * g.kernelSize + kw) * width
                    if g.isShiftedPlane {
                        let offset = g.planeShift(kh: kh, kw: kw), plane = g.inputPlane
                        let first = min(plane, max(0, -offset)), end = max(first, min(plane, plane - offset))
                        for n in images {
                            // The wrapped columns read padding in im2col: they contribute nothing.
                            ConvolutionLowering.zeroWrappedColumns(column, g, valid: valid)
                            let shifted = inputGradient + (c * g.batch + n) * plane + offset
                            for j in first..<end { shifted[j] += column[j] }
                            column += plane
                        }
                        continue
                    }
                    for n in images {
                        let plane = inputGradient + (c * g.batch + n) * g.inputPlane
                        let planeEnd = UnsafePointer(plane + g.inputPlane)
                        for oh in 0..<g.outputHeight {
                            let ih = oh * g.stride - g.padding + kh
                            if ih >= 0 && ih < g.height {
                                let row = plane + ih * g.width + shift
                                if g.stride == 1 {
                                    for ow in valid { row[ow] += column[ow] }
                                } else if g.stride == 2 {
                                    ConvolutionLowering.scatterAddEven(UnsafePointer(column), row, valid, end: planeEnd)
                                } else {
                                    for ow in valid { row[ow * g.stride] += column[ow] }
                                }
                            }
                            column += g.outputWidth
                        }
                    }
                }
            }
        }
    }

    /// `target[j] = source[2j]` for j in `range` (the stride-2 gather of im2col), 8 or 4 at a
    /// time; reads stay below `end` (the plane's end).
    @inline(__always)
    static func gatherEven(
        _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ range: Range<Int>,
        end: UnsafePointer<Float>
    ) {
        @inline(__always) func eight(_ j: Int) {
            let pairs = UnsafeRawPointer(source + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(target + j).storeBytes(of: pairs.evenHalf, as: SIMD8<Float>.self)
        }
        @inline(__always) func four(_ j: Int) {
            let pairs = UnsafeRawPointer(source + 2 * j).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + j).storeBytes(of: pairs.evenHalf, as: SIMD4<Float>.self)
        }
        let last = range.upperBound
        // The last vector ends at source[2·last − 1]; it may overlap the one before, rewriting
        // the same values.
        if range.count >= 8 && source + 2 * last <= end {
            var j = range.lowerBound
            while j + 8 < last { eight(j); j += 8 }
            eight(last - 8)
        } else if range.count >= 4 && source + 2 * last <= end {
            var j = range.lowerBound
            while j + 4 < last { four(j); j += 4 }
            four(last - 4)
        } else {
            for j in range { target[j] = source[2 * j] }
        }
    }

    /// `target[2j] += source[j]` for j in `range` (the stride-2 scatter of col2im), 8 at a time;
    /// the odd elements in between are rewritten unchanged, so reads and writes stay below `end`
    /// (the plane's end: the next plane may belong to another task).
    @inline(__always)
    static func scatterAddEven(
        _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ range: Range<Int>,
        end: UnsafePointer<Float>
    ) {
        var j = range.lowerBound
        while j + 8 <= range.upperBound && UnsafePointer(target + 2 * j + 16) <= end {
            let raw = UnsafeMutableRawPointer(target + 2 * j)
            var pairs = raw.loadUnaligned(as: SIMD16<Float>.self)
            pairs.evenHalf += UnsafeRawPointer(source + j).loadUnaligned(as: SIMD8<Float>.self)
            raw.storeBytes(of: pairs, as: SIMD16<Float>.self)
            j += 8
        }
        while j < range.upperBound {
            target[2 * j] += source[j]
            j += 1
        }
    }
}

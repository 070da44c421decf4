/// One batch task's share of a `Conv2D` call: the images `images` of the batch through the
/// whole layer, on the calling thread with single-threaded sgemm and its worker's scratch (see
/// `BatchTasks`). Legend as in `Conv2D`.
struct ConvolutionTask: Sendable {
    /// How the layer is lowered for this input (never `.automatic`).
    var algorithm: Conv2D.Algorithm
    var geometry: ConvolutionGeometry
    var outputChannels: Int
    /// OIHW `[OC, C, K, K]`.
    var weight: SendableConstPointer<Float>
    /// The Winograd kernel for this direction (`[36, OC, C]` forward, `[36, C, OC]` input
    /// gradient); unused by im2col.
    var winogradWeight: SendableConstPointer<Float>
    /// Upper bound, in floats, of a worker's im2col columns (at least one image).
    var columnBudget: Int

    /// A 1×1 stride-1 convolution: the input is already the `[C, N·H·W]` column matrix.
    var isPointwise: Bool { geometry.kernelSize == 1 && geometry.stride == 1 && geometry.padding == 0 }

    private var outputRow: Int { geometry.batch * geometry.outputPlane }

    /// Runs `body(part, columns)` for consecutive chunks `part` of `images` whose im2col
    /// columns (`[C·K², part.count·OH·OW]`, in the worker's scratch) fit in `columnBudget`.
    private func forEachColumnChunk(
        _ images: Range<Int>, input x: UnsafePointer<Float>, scratch: ConvolutionScratch,
        _ body: (_ part: Range<Int>, _ columns: UnsafeMutablePointer<Float>) -> Void
    ) {
        let perImage = geometry.rows * geometry.outputPlane
        let chunk = max(1, min(images.count, columnBudget / max(1, perImage)))
        let columns = scratch.columns.reserve(chunk * perImage)
        for first in Swift.stride(from: images.lowerBound, to: images.upperBound, by: chunk) {
            let part = first..<min(images.upperBound, first + chunk)
            ConvolutionLowering.im2col(x, geometry, images: part, columns: columns)
            body(part, columns)
        }
    }

    /// `y[:, images] = conv(x[:, images])`, then `epilogue` (if any) on those images, chunk by
    /// chunk right after each product.
    func forward(
        _ images: Range<Int>, input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
        scratch: ConvolutionScratch, epilogue: ConvolutionEpilogue? = nil
    ) {
        let g = geometry, w = weight.base
        let offset = images.lowerBound * g.outputPlane
        func finish(_ part: Range<Int>) {
            guard let epilogue else { return }
            for c in 0..<outputChannels {
                epilogue.apply(to: y, channel: c, batch: g.batch, plane: g.outputPlane, images: part)
            }
        }
        if algorithm == .winograd {
            scratch.winograd.convolve(
                input: x, inputChannels: g.channels, outputChannels: outputChannels, batch: g.batch,
                height: g.height, width: g.width, images: images, u: winogradWeight.base, output: y, epilogue: epilogue)
        } else if isPointwise {
            BLAS.sgemm(.none, .none, m: outputChannels, n: images.count * g.outputPlane, k: g.channels, a: w,
                       lda: g.channels, b: x + offset, ldb: outputRow, c: y + offset, ldc: outputRow)
            finish(images)
        } else {
            forEachColumnChunk(images, input: x, scratch: scratch) { part, columns in
                let width = part.count * g.outputPlane
                BLAS.sgemm(.none, .none, m: outputChannels, n: width, k: g.rows, a: w, lda: g.rows,
                           b: columns, ldb: width, c: y + part.lowerBound * g.outputPlane, ldc: outputRow)
                finish(part)
            }
        }
    }

    /// Sets `weightGradient` (`[OC, C·K²]`, this task's partial sum) to `Σ_{n ∈ images} dL/dw`
    /// and, when `inputGradient` is given, `dx[:, images]`.
    func backward(
        _ images: Range<Int>, input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        weightGradient dw: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
        scratch: ConvolutionScratch
    ) {
        let g = geometry, w = weight.base
        if algorithm == .winograd {
            scratch.winograd.weightGradient(
                input: x, outputGradient: dy, inputChannels: g.channels, outputChannels: outputChannels,
                batch: g.batch, height: g.height, width: g.width, images: images, into: dw)
            if let dx {
                scratch.winograd.convolve(
                    input: dy, inputChannels: outputChannels, outputChannels: g.channels, batch: g.batch,
                    height: g.height, width: g.width, images: images, u: winogradWeight.base, output: dx)
            }
            return
        }
        if isPointwise {
            let offset = images.lowerBound * g.outputPlane, width = images.count * g.outputPlane
            BLAS.sgemm(.none, .transposed, m: outputChannels, n: g.channels, k: width, a: dy + offset, lda: outputRow,
                       b: x + offset, ldb: outputRow, c: dw, ldc: g.channels)
            if let dx {
                BLAS.sgemm(.transposed, .none, m: g.channels, n: width, k: outputChannels, a: w, lda: g.channels,
                           b: dy + offset, ldb: outputRow, c: dx + offset, ldc: outputRow)
            }
            return
        }
        forEachColumnChunk(images, input: x, scratch: scratch) { part, columns in
            let width = part.count * g.outputPlane
            let dyPart = dy + part.lowerBound * g.outputPlane
            BLAS.sgemm(.none, .transposed, m: outputChannels, n: g.rows, k: width, a: dyPart, lda: outputRow,
                       b: columns, ldb: width, beta: part.lowerBound == images.lowerBound ? 0 : 1, c: dw, ldc: g.rows)
            if let dx {
                BLAS.sgemm(.transposed, .none, m: g.rows, n: width, k: outputChannels, a: w, lda: g.rows,
                           b: dyPart, ldb: outputRow, c: columns, ldc: width)
                ConvolutionLowering.col2im(columns, g, images: part, inputGradient: dx)
            }
        }
    }
}

/// One worker's buffers for `ConvolutionTask`s. `@unchecked Sendable` only so a task can be
/// handed its worker's scratch; two workers never share one.
final class ConvolutionScratch: @unchecked Sendable {
    let columns = ScratchBuffer()
    let winograd: WinogradConvolution

    init(winogradBudget: Int) { winograd = WinogradConvolution(budget: winogradBudget) }
}

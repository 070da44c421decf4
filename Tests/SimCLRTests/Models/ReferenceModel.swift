import SimCLR

/// The model written again as plain loops in Double (NCHW, train-mode BatchNorm, weights read
/// by state_dict name): the reference for configurations the PyTorch fixtures do not cover, and
/// accurate enough for finite differences with a tiny step.
struct ReferenceModel {
    var weights: [String: [Double]]
    let configuration: ResNetMiniConfiguration

    init(_ model: SimCLRModel) {
        configuration = model.configuration
        weights = [:]
        for (name, tensor) in model.stateDict(includeHead: true) { weights[name] = tensor.data.map(Double.init) }
    }

    struct Maps { var data: [Double]; var n, c, h, w: Int }

    func conv(_ x: Maps, _ name: String, out: Int, k: Int, stride: Int) -> Maps {
        let weight = weights[name + ".weight"]!, pad = k / 2
        let oh = (x.h + 2 * pad - k) / stride + 1, ow = (x.w + 2 * pad - k) / stride + 1
        var y = [Double](repeating: 0, count: x.n * out * oh * ow)
        for b in 0..<x.n { for o in 0..<out { for i in 0..<oh { for j in 0..<ow {
            var sum = 0.0
            for c in 0..<x.c { for kh in 0..<k { for kw in 0..<k {
                let ii = i * stride - pad + kh, jj = j * stride - pad + kw
                if ii >= 0 && ii < x.h && jj >= 0 && jj < x.w {
                    sum += x.data[((b * x.c + c) * x.h + ii) * x.w + jj] * weight[((o * x.c + c) * k + kh) * k + kw]
                }
            } } }
            y[((b * out + o) * oh + i) * ow + j] = sum
        } } } }
        return Maps(data: y, n: x.n, c: out, h: oh, w: ow)
    }

    /// Train-mode BatchNorm (biased batch variance, eps 1e-5) over N·H·W per channel.
    func batchNorm(_ x: Maps, _ name: String) -> Maps {
        let gamma = weights[name + ".weight"]!, beta = weights[name + ".bias"]!
        let plane = x.h * x.w, count = Double(x.n * plane)
        var y = x
        for c in 0..<x.c {
            var mean = 0.0, variance = 0.0
            for b in 0..<x.n { for p in 0..<plane { mean += x.data[(b * x.c + c) * plane + p] } }
            mean /= count
            for b in 0..<x.n { for p in 0..<plane { let d = x.data[(b * x.c + c) * plane + p] - mean; variance += d * d } }
            variance /= count
            for b in 0..<x.n { for p in 0..<plane {
                let i = (b * x.c + c) * plane + p
                y.data[i] = (x.data[i] - mean) / (variance + 1e-5).squareRoot() * gamma[c] + beta[c]
            } }
        }
        return y
    }

    func relu(_ x: Maps) -> Maps { var y = x; y.data = y.data.map { max(0, $0) }; return y }

    func block(_ x: Maps, _ name: String, out: Int, stride: Int) -> Maps {
        let a = relu(batchNorm(conv(x, name + ".conv1", out: out, k: 3, stride: stride), name + ".bn1"))
        var y = batchNorm(conv(a, name + ".conv2", out: out, k: 3, stride: 1), name + ".bn2")
        let skip = weights[name + ".shortcut.conv.weight"] == nil
            ? x : batchNorm(conv(x, name + ".shortcut.conv", out: out, k: 1, stride: stride), name + ".shortcut.bn")
        for i in y.data.indices { y.data[i] += skip.data[i] }
        return relu(y)
    }

    /// `y[n, o] = Σ_i x[n, i]·W[o, i] + b[o]` on row-major `[N, in]`.
    func linear(_ x: [Double], n: Int, _ name: String) -> [Double] {
        let weight = weights[name + ".weight"]!, bias = weights[name + ".bias"]!
        let outputs = bias.count, inputs = weight.count / outputs
        var y = [Double](repeating: 0, count: n * outputs)
        for b in 0..<n { for o in 0..<outputs {
            var sum = bias[o]
            for i in 0..<inputs { sum += x[b * inputs + i] * weight[o * inputs + i] }
            y[b * outputs + o] = sum
        } }
        return y
    }

    /// Train-mode forward of views `[N, H, W, C]` (NHWC, as the Swift model takes them).
    /// - Returns: h `[N, D]` and z `[N, P]`, row-major.
    func forward(_ views: [Double], n: Int, size: Int) -> (h: [Double], z: [Double]) {
        let c = configuration.inputChannels, widths = configuration.widths
        var x = Maps(data: [Double](repeating: 0, count: views.count), n: n, c: c, h: size, w: size)
        for b in 0..<n { for p in 0..<(size * size) { for ch in 0..<c {
            x.data[(b * c + ch) * size * size + p] = views[(b * size * size + p) * c + ch]
        } } }
        x = relu(batchNorm(conv(x, "stem.conv", out: widths[0], k: 3, stride: 1), "stem.bn"))
        x = block(x, "layer1", out: widths[0], stride: 1)
        x = block(x, "layer2", out: widths[1], stride: 2)
        x = block(x, "layer3", out: widths[2], stride: 2)
        let d = widths[2], plane = Double(x.h * x.w)
        var h = [Double](repeating: 0, count: n * d)
        for b in 0..<n { for ch in 0..<d {
            h[b * d + ch] = x.data[(b * d + ch) * x.h * x.w..<(b * d + ch + 1) * x.h * x.w].reduce(0, +) / plane
        } }
        let hidden = linear(h, n: n, "head.fc1")
        let normalised = relu(batchNorm(Maps(data: transpose(hidden, rows: n, columns: d), n: 1, c: d, h: n, w: 1), "head.bn"))
        let z = linear(transpose(normalised.data, rows: d, columns: n), n: n, "head.fc2")
        return (h, z)
    }

    /// `[rows, columns]` → `[columns, rows]`; BatchNorm1d over `[N, D]` is BatchNorm2d over
    /// `[1, D, N, 1]`.
    func transpose(_ x: [Double], rows: Int, columns: Int) -> [Double] {
        var y = x
        for r in 0..<rows { for c in 0..<columns { y[c * rows + r] = x[r * columns + c] } }
        return y
    }
}

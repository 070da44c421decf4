/// A picture of a ROC curve, written as PNG through `PNG.write` (libpng).
public enum ROCCurvePlot {
    /// Draws `points` (FPR on x, TPR on y, both 0…1, linear) in a `size`×`size` plot area with a
    /// margin: white background, light grey grid every 0.1, the chance diagonal in grey, the
    /// curve as a 2-pixel blue polyline through every point, and the equal-error point `eer`
    /// (where TPR = 1 − FPR) as a red square. No text: the report gives the numbers.
    ///
    /// - Returns: an RGB image `(size + 2·margin)` pixels square.
    public static func image(points: [VerificationMetrics.ROCPoint], eer: Double?, size: Int = 400, margin: Int = 20) -> DecodedImage {
        let side = size + 2 * margin
        var pixels = [UInt8](repeating: 255, count: side * side * 3)
        func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
            guard x >= 0, y >= 0, x < side, y < side else { return }
            let p = (y * side + x) * 3
            pixels[p] = color.0
            pixels[p + 1] = color.1
            pixels[p + 2] = color.2
        }
        /// Plot coordinates of rates (y grows downward in the image).
        func position(_ fpr: Double, _ tpr: Double) -> (Double, Double) {
            (Double(margin) + fpr * Double(size), Double(margin) + (1 - tpr) * Double(size))
        }
        func line(from a: (Double, Double), to b: (Double, Double), color: (UInt8, UInt8, UInt8), width: Int = 1, dash: Int = 0) {
            let steps = max(1, Int(max(abs(b.0 - a.0), abs(b.1 - a.1)).rounded(.up)) * 2)
            for s in 0...steps {
                if dash > 0 && (s / (2 * dash)) % 2 == 1 { continue }
                let t = Double(s) / Double(steps)
                let x = Int((a.0 + t * (b.0 - a.0)).rounded()), y = Int((a.1 + t * (b.1 - a.1)).rounded())
                for dx in 0..<width { for dy in 0..<width { set(x + dx - width / 2, y + dy - width / 2, color) } }
            }
        }
        for tick in 0...10 {
            let v = Double(tick) / 10
            let grey: (UInt8, UInt8, UInt8) = tick == 0 || tick == 10 ? (0, 0, 0) : (225, 225, 225)
            line(from: position(v, 0), to: position(v, 1), color: grey)
            line(from: position(0, v), to: position(1, v), color: grey)
        }
        line(from: position(0, 0), to: position(1, 1), color: (150, 150, 150), dash: 4)
        for k in points.indices.dropFirst() {
            line(from: position(points[k - 1].falsePositiveRate, points[k - 1].truePositiveRate),
                 to: position(points[k].falsePositiveRate, points[k].truePositiveRate), color: (31, 119, 180), width: 2)
        }
        if let eer {
            let (x, y) = position(eer, 1 - eer)
            for dx in -3...3 { for dy in -3...3 { set(Int(x.rounded()) + dx, Int(y.rounded()) + dy, (214, 39, 40)) } }
        }
        return DecodedImage(width: side, height: side, channels: 3, pixels: pixels)
    }
}

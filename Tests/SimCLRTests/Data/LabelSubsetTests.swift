import SimCLR
import Testing

/// Class-balanced, seeded label subsets and their errors.
@Suite struct LabelSubsetTests {
    /// Three classes of 100, 50 and 10 images, interleaved.
    static let labels: [Int] = (0..<100).map { _ in 0 } + (0..<50).map { _ in 1 } + (0..<10).map { _ in 2 }
    static let shuffledLabels: [Int] = {
        var rng = SplitMix64(seed: 3)
        var labels = Self.labels
        for i in stride(from: labels.count - 1, to: 0, by: -1) { labels.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return labels
    }()
    static let names = ["a", "b", "c"]

    @Test func fractionTakesTheRoundedShareOfEveryClass() throws {
        let subset = try LabelSubset(labels: Self.shuffledLabels, classNames: Self.names, rule: .init(fraction: 0.1), seed: 7)
        #expect(subset.countsPerClass == [10, 5, 1])
        #expect(subset.indices.count == 16 && subset.indices == subset.indices.sorted() && Set(subset.indices).count == 16)
        for c in 0..<3 {
            #expect(subset.indices.filter { Self.shuffledLabels[$0] == c }.count == subset.countsPerClass[c])
        }
    }

    @Test func perClassTakesTheSameCountOfEveryClass() throws {
        let subset = try LabelSubset(labels: Self.shuffledLabels, classNames: Self.names, rule: .init(perClass: 4), seed: 1)
        #expect(subset.countsPerClass == [4, 4, 4])
        let all = try LabelSubset(labels: Self.shuffledLabels, classNames: Self.names, rule: .all, seed: 1)
        #expect(all.indices == Array(0..<Self.labels.count))
    }

    @Test func seededAndIndependentOfOtherClasses() throws {
        let rule = LabelSubsetRule(fraction: 0.2)
        let a = try LabelSubset(labels: Self.shuffledLabels, classNames: Self.names, rule: rule, seed: 11)
        let b = try LabelSubset(labels: Self.shuffledLabels, classNames: Self.names, rule: rule, seed: 11)
        let c = try LabelSubset(labels: Self.shuffledLabels, classNames: Self.names, rule: rule, seed: 12)
        #expect(a == b)
        #expect(a.indices != c.indices)
        // Class 0's picks do not depend on how many images class 2 has.
        let fewer = Self.shuffledLabels.enumerated().filter { $0.element != 2 }.map(\.offset)
        let d = try LabelSubset(
            labels: fewer.map { Self.shuffledLabels[$0] }, classNames: ["a", "b"], rule: rule, seed: 11)
        let classZero = a.indices.filter { Self.shuffledLabels[$0] == 0 }
        #expect(d.indices.map { fewer[$0] }.filter { Self.shuffledLabels[$0] == 0 } == classZero)
    }

    @Test func errorsNameTheClass() {
        #expect(throws: LabelSubsetError.classLeftEmpty(name: "c", available: 10, rule: LabelSubsetRule(fraction: 0.01).description)) {
            try LabelSubset(labels: Self.labels, classNames: Self.names, rule: .init(fraction: 0.01), seed: 0)
        }
        #expect(throws: LabelSubsetError.notEnoughImages(name: "c", available: 10, requested: 11)) {
            try LabelSubset(labels: Self.labels, classNames: Self.names, rule: .init(perClass: 11), seed: 0)
        }
        #expect(throws: LabelSubsetError.emptyClass(name: "d")) {
            try LabelSubset(labels: Self.labels, classNames: Self.names + ["d"], rule: .all, seed: 0)
        }
        for rule in [LabelSubsetRule(fraction: 0), .init(fraction: 1.5), .init(perClass: 0), .init(fraction: 0.5, perClass: 2)] {
            #expect(throws: LabelSubsetError.self) { try rule.validate() }
        }
    }
}

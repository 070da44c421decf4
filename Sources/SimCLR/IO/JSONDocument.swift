import Foundation

/// A value the tool writes as JSON for people and scripts to read (`probe.json`,
/// `retrieval.json`, `verify.json`, `finetune.json`, `encoder.json`, `classifier.json`,
/// `simclr dataset inspect --json`): one format for all of them, owned here.
public protocol JSONDocument: Encodable {}

extension JSONDocument {
    /// The value as pretty-printed JSON with sorted keys, "/" unescaped (paths stay as typed),
    /// and a final newline.
    ///
    /// - Throws: `EncodingError` for a value JSON cannot hold (a non-finite float).
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
    }
}

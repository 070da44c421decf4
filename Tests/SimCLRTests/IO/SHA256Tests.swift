import SimCLR
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4 / NIST CAVP example vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(message: String, digest: String) {
        #expect(SHA256.hexDigest(Array(message.utf8)) == digest)
    }

    @Test func millionAs() {
        #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the 55/56/64-byte padding boundaries, fed in two pieces, equal the one-shot hash.
    @Test(arguments: [55, 56, 63, 64, 65, 119, 120, 128])
    func incrementalEqualsOneShot(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = SHA256()
        hasher.update(Array(bytes[..<(length / 3)]))
        hasher.update(Array(bytes[(length / 3)...]))
        #expect(hasher.finalize() == SHA256.hash(bytes))
        #expect(SHA256.hash(bytes) != SHA256.hash(bytes + [0]))
    }
}

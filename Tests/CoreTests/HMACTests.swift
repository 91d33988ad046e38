import Core
import Testing

@Suite struct HMACTests {
    /// RFC 4231 §4.3, test case 2: a key shorter than the block size.
    @Test func rfc4231TestCase2() {
        let mac = HMAC.sha256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// RFC 4231 §4.7, test case 6: a key longer than the block size (hashed first).
    @Test func rfc4231TestCase6() {
        let mac = HMAC.sha256(
            key: [UInt8](repeating: 0xAA, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        )
        #expect(Hex.encode(mac) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func emptyKeyAndMessage() {
        #expect(Hex.encode(HMAC.sha256(key: [], message: [])) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func constantTimeEquals() {
        #expect(ConstantTime.equals([], []))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([], [0]))
    }

    /// FIPS 180-2 vectors, through every input shape `Digest.sha256` accepts (contiguous
    /// arrays and slices, and a collection it must copy first).
    @Test func sha256KnownAnswers() {
        let abc = Array("abc".utf8)
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(Hex.encode(Digest.sha256(abc)) == expected)
        #expect(Hex.encode(Digest.sha256(Array("xabcx".utf8)[1..<4])) == expected)
        #expect(Hex.encode(Digest.sha256("abc".utf8)) == expected)
        #expect(Hex.encode(Digest.sha256([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// An ETag is the quoted first half of the body's SHA-256.
    @Test func strongETagIsTheQuotedHalfDigest() {
        #expect(ETag.strong(for: Array("abc".utf8)) == "\"ba7816bf8f01cfea414140de5dae2223\"")
        #expect(Hex.encode([0x00, 0xff, 0x10], prefix: UInt8(ascii: "<"), suffix: nil) == "<00ff10")
        #expect(Hex.encode([UInt8]()) == "")
    }
}

import Core
import Testing

@Suite struct PasswordHasherTests {
    /// Small parameters keep the suite fast; `.owasp` is exercised once below.
    private let fast = PasswordHasher(parameters: .init(logN: 10, r: 8, p: 1))

    @Test func roundTrip() {
        let encoded = fast.hash("correct horse battery staple")
        #expect(encoded.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        #expect(fast.verify("correct horse battery staple", against: encoded) == .valid(needsRehash: false))
    }

    @Test func unicodeAndEmptyPasswords() {
        for password in ["", "pässwörd 🔑", String(repeating: "x", count: 1000)] {
            let encoded = fast.hash(password)
            #expect(fast.verify(password, against: encoded) == .valid(needsRehash: false))
        }
        #expect(fast.verify("", against: fast.hash(" ")) == .invalid)
    }

    @Test func wrongPassword() {
        let encoded = fast.hash("s3cret-password")
        #expect(fast.verify("s3cret-passwore", against: encoded) == .invalid)
        #expect(fast.verify("", against: encoded) == .invalid)
    }

    @Test func saltMakesHashesDiffer() {
        let first = fast.hash("same password")
        let second = fast.hash("same password")
        #expect(first != second)
        #expect(fast.verify("same password", against: first) == .valid(needsRehash: false))
        #expect(fast.verify("same password", against: second) == .valid(needsRehash: false))
    }

    @Test func tamperedHashIsInvalid() {
        let encoded = fast.hash("password123")
        var fields = encoded.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        // Flip one character of the key, then of the salt, then change a parameter.
        var key = Array(fields[4])
        key[0] = key[0] == "A" ? "B" : "A"
        var tampered = fields
        tampered[4] = String(key)
        #expect(fast.verify("password123", against: tampered.joined(separator: "$")) == .invalid)
        var salt = Array(fields[3])
        salt[0] = salt[0] == "A" ? "B" : "A"
        tampered = fields
        tampered[3] = String(salt)
        #expect(fast.verify("password123", against: tampered.joined(separator: "$")) == .invalid)
        fields[2] = "ln=11,r=8,p=1"
        #expect(fast.verify("password123", against: fields.joined(separator: "$")) == .invalid)
    }

    @Test func garbageIsInvalid() {
        let valid = fast.hash("pw")
        let salt = valid.split(separator: "$")[2]
        let key = valid.split(separator: "$")[3]
        let garbage = [
            "", "$", "$$$$", "plaintext", "$2b$12$abcdefghijklmnopqrstuv", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
            "$scrypt$ln=10,r=8,p=1$\(salt)", "$scrypt$ln=10,r=8,p=1$\(salt)$\(key)$",
            "scrypt$ln=10,r=8,p=1$\(salt)$\(key)",
            "$scrypt$ln=010,r=8,p=1$\(salt)$\(key)", "$scrypt$ln=+10,r=8,p=1$\(salt)$\(key)",
            "$scrypt$r=8,ln=10,p=1$\(salt)$\(key)", "$scrypt$ln=10,r=8$\(salt)$\(key)",
            "$scrypt$ln=10,r=8,p=1,x=2$\(salt)$\(key)", "$scrypt$ln=,r=8,p=1$\(salt)$\(key)",
            "$scrypt$ln=0,r=8,p=1$\(salt)$\(key)", "$scrypt$ln=99,r=8,p=1$\(salt)$\(key)",
            "$scrypt$ln=20,r=8,p=1$\(salt)$\(key)",  // over the memory cap: rejected, not allocated
            "$scrypt$ln=10,r=0,p=1$\(salt)$\(key)", "$scrypt$ln=10,r=8,p=9999$\(salt)$\(key)",
            "$scrypt$ln=10,r=8,p=99999999999999999999$\(salt)$\(key)",
            "$scrypt$ln=10,r=8,p=1$\(salt)=$\(key)", "$scrypt$ln=10,r=8,p=1$\(salt)$\(key)==",
            "$scrypt$ln=10,r=8,p=1$!!!!$\(key)", "$scrypt$ln=10,r=8,p=1$$\(key)", "$scrypt$ln=10,r=8,p=1$\(salt)$",
            "$scrypt$ln=10,r=8,p=1$\(salt)$\(key.dropLast(2))",  // 30-byte key
            "$scrypt$ln=١٠,r=8,p=1$\(salt)$\(key)",  // non-ASCII digits
        ]
        for encoded in garbage {
            #expect(fast.verify("pw", against: encoded) == .invalid, "\(encoded)")
        }
        #expect(fast.verify("pw", against: valid) == .valid(needsRehash: false))
    }

    @Test func needsRehashWhenParametersChange() {
        let old = PasswordHasher(parameters: .init(logN: 10, r: 8, p: 1))
        let new = PasswordHasher(parameters: .init(logN: 11, r: 8, p: 1))
        let encoded = old.hash("migrate me")
        #expect(new.verify("migrate me", against: encoded) == .valid(needsRehash: true))
        #expect(new.verify("wrong", against: encoded) == .invalid)
        #expect(new.verify("migrate me", against: new.hash("migrate me")) == .valid(needsRehash: false))
        #expect(PasswordHasher(parameters: .init(logN: 10, r: 8, p: 2)).verify("migrate me", against: encoded) == .valid(needsRehash: true))
    }

    @Test func owaspParameters() {
        #expect(PasswordHasher.Parameters.owasp == .init(logN: 14, r: 8, p: 5))
        #expect(PasswordHasher.Parameters.owasp.isSupported)
        let hasher = PasswordHasher()
        let encoded = hasher.hash("a long enough password")
        #expect(encoded.hasPrefix("$scrypt$ln=14,r=8,p=5$"))
        #expect(hasher.verify("a long enough password", against: encoded) == .valid(needsRehash: false))
        #expect(hasher.verify("a long enough passworD", against: encoded) == .invalid)
        #expect(fast.verify("a long enough password", against: encoded) == .valid(needsRehash: true))
    }

    /// RFC 7914 §12, third vector (N = 16384, r = 8, p = 1), written in the stored format.
    @Test func rfc7914Vector() {
        let salt = Base64URL.encode(Array("SodiumChloride".utf8))
        // First 32 bytes of the 64-byte RFC output.
        let key = Base64URL.encode(hexBytes("7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"))
        let stored = "$scrypt$ln=14,r=8,p=1$\(salt)$\(key)"
        #expect(fast.verify("pleaseletmein", against: stored) == .valid(needsRehash: true))
        #expect(fast.verify("pleaseletmeout", against: stored) == .invalid)
    }

    @Test func dummyVerifyTakesAboutAsLongAsARealOne() {
        let hasher = PasswordHasher()
        let encoded = hasher.hash("real password")
        let clock = ContinuousClock()
        var real = Duration.seconds(1000), dummy = Duration.seconds(1000)
        for _ in 0..<3 {
            real = min(real, clock.measure { _ = hasher.verify("wrong password", against: encoded) })
            dummy = min(dummy, clock.measure { hasher.dummyVerify("wrong password") })
        }
        // Loose bounds: only catches a dummy that skips the key derivation entirely.
        #expect(dummy > real / 3, "dummy \(dummy) vs real \(real)")
        #expect(dummy < real * 3, "dummy \(dummy) vs real \(real)")
    }

    private func hexBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).compactMap { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16) }
    }
}

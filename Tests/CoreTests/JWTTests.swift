import Core
import Testing

@Suite struct JWTTests {
    private let secret = Array("a-test-secret-of-at-least-32-bytes!!".utf8)
    private let now: Int64 = 1_700_000_000
    private var signer: JWTSigner { JWTSigner(secret: secret, issuer: "catalog") }
    private var claims: JWTClaims {
        JWTClaims(subject: "42", role: "customer", issuedAt: now, expiresAt: now + 900, issuer: "catalog", version: 3)
    }

    /// A token with arbitrary header and payload JSON, signed with `key` (default: the test secret).
    private func token(header: String, payload: String, key: [UInt8]? = nil) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        return input + "." + JWTSigner.signature(signingInput: Array(input.utf8), secret: key ?? secret)
    }

    private let goodHeader = #"{"alg":"HS256","typ":"JWT"}"#
    private func payload(sub: String = #""42""#, iat: String? = nil, exp: String? = nil, iss: String = #""catalog""#) -> String {
        #"{"sub":\#(sub),"role":"admin","iat":\#(iat ?? String(now)),"exp":\#(exp ?? String(now + 900)),"iss":\#(iss),"ver":1}"#
    }

    private func expect(_ token: String, throws expected: JWTError, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) { try signer.verify(token, now: now) }
    }

    @Test func roundTrip() throws {
        let issued = signer.sign(claims)
        #expect(issued.split(separator: ".").count == 3)
        #expect(issued.hasPrefix(Base64URL.encode(Array(goodHeader.utf8)) + "."))
        #expect(try signer.verify(issued, now: now) == claims)
        #expect(try signer.verify(issued, now: now + 900) == claims)
        #expect(try signer.verify(token(header: goodHeader, payload: payload()), now: now).role == "admin")
        // typ is optional; unknown header members such as kid are ignored.
        #expect(try signer.verify(token(header: #"{"alg":"HS256"}"#, payload: payload()), now: now).subject == "42")
        #expect(try signer.verify(token(header: #"{"kid":"k1","alg":"HS256"}"#, payload: payload()), now: now).subject == "42")
    }

    /// RFC 7515 Appendix A.1, byte for byte: header and payload with CRLF line breaks.
    @Test func rfc7515AppendixA1() throws {
        let header = Array("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}".utf8)
        let payload = Array("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}".utf8)
        #expect(Base64URL.encode(header) == "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9")
        #expect(Base64URL.encode(payload) == "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ")
        let key = try #require(Base64URL.decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"))
        let signingInput = Array((Base64URL.encode(header) + "." + Base64URL.encode(payload)).utf8)
        #expect(JWTSigner.signature(signingInput: signingInput, secret: key) == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")

        // The full RFC token passes the signature check (so fails only later, on the
        // claims Catalog requires) and fails it under another key.
        let rfcToken = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
            + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
            + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(throws: JWTError.missingClaim("sub")) { try JWTSigner(secret: key, issuer: "joe").verify(rfcToken, now: 1300819380) }
        #expect(throws: JWTError.badSignature) { try JWTSigner(secret: secret, issuer: "joe").verify(rfcToken, now: 1300819380) }
    }

    @Test func rejectsOtherAlgorithms() {
        // alg none with an empty signature (the classic attack), and with a bogus one.
        let unsigned = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + Base64URL.encode(Array(payload().utf8))
        expect(unsigned + ".", throws: .malformed)
        expect(token(header: #"{"alg":"none","typ":"JWT"}"#, payload: payload()), throws: .unsupportedAlgorithm)
        expect(token(header: #"{"alg":"None"}"#, payload: payload()), throws: .unsupportedAlgorithm)
        expect(token(header: #"{"alg":"HS512","typ":"JWT"}"#, payload: payload()), throws: .unsupportedAlgorithm)
        expect(token(header: #"{"alg":"RS256","typ":"JWT"}"#, payload: payload()), throws: .unsupportedAlgorithm)
        expect(token(header: #"{"alg":"hs256","typ":"JWT"}"#, payload: payload()), throws: .unsupportedAlgorithm)
        expect(token(header: #"{"typ":"JWT"}"#, payload: payload()), throws: .unsupportedAlgorithm)
        expect(token(header: #"{"alg":["HS256"]}"#, payload: payload()), throws: .unsupportedAlgorithm)
        expect(token(header: #"{"alg":"HS256","typ":"JWE"}"#, payload: payload()), throws: .malformed)
        expect(token(header: #"{"alg":"HS256","typ":1}"#, payload: payload()), throws: .malformed)
        expect(token(header: #"{"alg":"HS256","crit":["exp"]}"#, payload: payload()), throws: .malformed)
    }

    @Test func rejectsTamperingAndWrongSecret() {
        let good = signer.sign(claims)
        let parts = good.split(separator: ".").map(String.init)
        var forged = claims
        forged.role = "admin"
        let forgedPayload = signer.sign(forged).split(separator: ".")[1]
        expect([parts[0], String(forgedPayload), parts[2]].joined(separator: "."), throws: .badSignature)
        expect(token(header: goodHeader, payload: payload(), key: Array("another-secret-of-at-least-32-bytes!".utf8)), throws: .badSignature)
        // Tampering with the header is caught too, even when it stays valid HS256.
        let otherHeader = Base64URL.encode(Array(#"{"typ":"JWT","alg":"HS256"}"#.utf8))
        expect([otherHeader, parts[1], parts[2]].joined(separator: "."), throws: .badSignature)
        // A signature of the right length but different bytes, and one of the wrong length.
        expect([parts[0], parts[1], Base64URL.encode([UInt8](repeating: 0, count: 32))].joined(separator: "."), throws: .badSignature)
        expect([parts[0], parts[1], String(parts[2].dropLast(3))].joined(separator: "."), throws: .badSignature)
    }

    @Test func rejectsMalformedTokens() {
        let good = signer.sign(claims)
        let parts = good.split(separator: ".").map(String.init)
        let malformed = [
            "", ".", "..", "...", "abc", parts[0] + "." + parts[1],  // two segments
            parts[0] + "." + parts[1] + ".",  // empty signature
            "." + parts[1] + "." + parts[2], parts[0] + ".." + parts[2],
            good + ".", good + "." + parts[2],  // four segments
            parts[0] + "=." + parts[1] + "." + parts[2],  // padding
            parts[0] + "." + parts[1] + "." + parts[2] + "=",
            parts[0] + "." + parts[1] + "." + parts[2].replacingFirst("-", "+"),
            parts[0] + "." + parts[1] + ".!!!!",
            " " + good, good + " ", good + "\n",
            String(repeating: "a", count: 5000) + "." + parts[1] + "." + parts[2],
            Base64URL.encode(Array("not json".utf8)) + "." + parts[1] + "." + parts[2],
            Base64URL.encode(Array(#"["HS256"]"#.utf8)) + "." + parts[1] + "." + parts[2],
            Base64URL.encode(Array(#"{"alg":"HS256","alg":"none"}"#.utf8)) + "." + parts[1] + "." + parts[2],
        ]
        for token in malformed {
            #expect(throws: JWTError.malformed, "\(token)") { try signer.verify(token, now: now) }
        }
        // Payloads that are signed correctly but are not a JSON object of the right claim types.
        for payload in ["not json", "[]", "42", payload(sub: "42"), payload(iat: "1.5e9"), payload(exp: "1700000900.0"),
                        payload(exp: "99999999999999999999"), payload(iat: #""1700000000""#), payload(iss: "null"),
                        #"{"sub":"42","role":"admin","iat":1700000000,"exp":1700000900,"iss":"catalog","ver":1.5}"#] {
            expect(token(header: goodHeader, payload: payload), throws: .malformed)
        }
    }

    @Test func missingClaims() {
        let all: [(String, String)] = [("sub", #""42""#), ("role", #""admin""#), ("iat", String(now)), ("exp", String(now + 900)), ("iss", #""catalog""#), ("ver", "1")]
        for (missing, _) in all {
            let members = all.filter { $0.0 != missing }.map { #""\#($0.0)":\#($0.1)"# }
            expect(token(header: goodHeader, payload: "{" + members.joined(separator: ",") + "}"), throws: .missingClaim(missing))
        }
    }

    @Test func timeAndIssuerChecks() throws {
        let leeway: Int64 = 30
        // Expired: exp + leeway < now.
        let expiring = token(header: goodHeader, payload: payload(exp: String(now)))
        #expect(try signer.verify(expiring, now: now + leeway).subject == "42")
        #expect(throws: JWTError.expired) { try signer.verify(expiring, now: now + leeway + 1) }
        #expect(throws: JWTError.expired) { try signer.verify(expiring, now: now + 1, leeway: 0) }
        // Not yet valid: iat - leeway > now.
        let future = token(header: goodHeader, payload: payload(iat: String(now + leeway), exp: String(now + 900)))
        #expect(try signer.verify(future, now: now).subject == "42")
        #expect(throws: JWTError.notYetValid) { try signer.verify(future, now: now - 1) }
        // Extreme values do not overflow.
        expect(token(header: goodHeader, payload: payload(exp: String(Int64.min))), throws: .expired)
        expect(token(header: goodHeader, payload: payload(iat: String(Int64.max), exp: String(Int64.max))), throws: .notYetValid)
        #expect(try signer.verify(token(header: goodHeader, payload: payload(iat: String(Int64.min), exp: String(Int64.max))), now: now).subject == "42")
        // Issuer.
        expect(token(header: goodHeader, payload: payload(iss: #""someone-else""#)), throws: .wrongIssuer)
        #expect(throws: JWTError.wrongIssuer) { try JWTSigner(secret: secret, issuer: "other").verify(signer.sign(claims), now: now) }
    }

    @Test func escapesClaimStrings() throws {
        var odd = claims
        odd.subject = "quote \" backslash \\ newline \n ünïcode"
        #expect(try signer.verify(signer.sign(odd), now: now) == odd)
    }
}

private extension String {
    func replacingFirst(_ target: Character, _ replacement: Character) -> String {
        guard let index = firstIndex(of: target) else { return self + String(replacement) }
        var copy = self
        copy.replaceSubrange(index...index, with: String(replacement))
        return copy
    }
}

import Core
import Testing

/// Stored addresses must satisfy the document's `format: email` (the contract run found
/// `x@host.test*` accepted and then returned in a user record).
@Suite struct EmailAddressTests {
    @Test func acceptsOrdinaryAddresses() {
        for email in ["ann@example.com", "a.b+tag@mail.example.co.uk", "&r-p$|5h#+@9h0.test", "o'neil@x-y.org",
                      "{x}~!@a1.b2", String(repeating: "a", count: 64) + "@example.com"] {
            #expect(EmailAddress.problem(with: email) == nil, "\(email)")
        }
    }

    @Test func rejectsWhatFormatEmailRejectsAndTheRareForms() {
        for email in ["", "a", "@example.com", "a@", "a@b", "a@@b.com", "a@b@c.com", "&r-p$|5h#+@9h0.test*", "a..b@x.com",
                      ".a@x.com", "a.@x.com", "\"a b\"@x.com", "a@[1.2.3.4]", "a@-x.com", "a@x-.com", "a@x_y.com", "a@x.com.",
                      "a@.x.com", "é@x.com", "a@é.com", "a b@x.com", "a@x\u{7}.com",
                      "a@" + String(repeating: "x", count: 64) + ".com", String(repeating: "a", count: 65) + "@x.com"] {
            #expect(EmailAddress.problem(with: email) != nil, "\(email)")
        }
    }
}

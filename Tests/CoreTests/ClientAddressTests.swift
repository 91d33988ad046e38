import Core
import Testing

/// One IPv4 address is one client; one IPv6 /64 is one client. (Loopback offers only
/// `::1`, so the IPv6 cases are tested here, on the derivation itself; the nginx side is
/// compared with it in the end-to-end suite.)
@Suite struct ClientAddressTests {
    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"),
        ("192.0.2.200", "192.0.2.200"),
        ("::1", "0:0:0:0::/64"),
        ("::", "0:0:0:0::/64"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::", "2001:db8:1:2::/64"),
        ("2001:db8:1::1", "2001:db8:1:0::/64"),
        ("2001:db8::1", "2001:db8:0:0::/64"),
        ("2001::5:1:2:3:4", "2001:0:0:5::/64"),
        ("2001::1:2:3:4", "2001:0:0:0::/64"),
        ("::7:8:1:2:3:4", "0:0:7:8::/64"),
        ("::8:1:2:3:4", "0:0:0:8::/64"),
        ("2001:DB8:0001:0002::abcd", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("::ffff:c000:207", "192.0.2.7"),
    ])
    func key(address: String, expected: String) {
        #expect(ClientAddress.key(address) == expected)
    }

    @Test func twoAddressesOfOneSlash64AreOneClient() {
        #expect(ClientAddress.key("2001:db8:aa:bb:1111:2222:3333:4444") == ClientAddress.key("2001:db8:aa:bb::9"))
        #expect(ClientAddress.key("2001:db8:aa:bb::9") != ClientAddress.key("2001:db8:aa:bc::9"))
    }

    @Test(arguments: ["", "localhost", "1.2.3", "1.2.3.4.5", "2001:db8::1::2", "fe80::1%eth0", "::ffff:999.1.1.1"])
    func notAnAddress(text: String) {
        #expect(ClientAddress.key(text) == nil)
    }
}

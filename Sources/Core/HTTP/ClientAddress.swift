#if canImport(Glibc)
import Glibc
#endif

/// Which client a request comes from, for limits and for remembering where a user signs in.
///
/// One IPv4 address is one client. For IPv6 the unit is the /64: a single subscriber is
/// routinely given a whole /64 (SLAAC, privacy addresses), so keying by the full address
/// would let one machine rotate through 2^64 "clients". An IPv4-mapped IPv6 address
/// (`::ffff:192.0.2.1`) is the IPv4 address it maps. nginx's per-address limits key the
/// same way (`map $remote_addr $catalog_client` in deploy/nginx.conf); a test checks the
/// two agree.
public enum ClientAddress {
    /// The client key of a textual address (`REMOTE_ADDR`), or `nil` when it is not an
    /// IP address: `192.0.2.1`, `2001:db8:1:2::/64`.
    public static func key(_ address: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return ipv4(withUnsafeBytes(of: &v4) { Array($0) })
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return ipv4(Array(bytes[12..<16]))
        }
        // The first four 16-bit groups, in lower-case hex without leading zeros: the same
        // spelling nginx's map produces.
        let groups = (0..<4).map { String(UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }

    private static func ipv4(_ bytes: [UInt8]) -> String {
        bytes.map { String($0) }.joined(separator: ".")
    }
}

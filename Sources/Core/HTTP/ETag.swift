/// Strong entity tags and the conditional-request rules of RFC 9110 §13.
///
/// A tag is derived from the exact bytes of the representation (SHA-256, truncated), so
/// two responses carry the same tag exactly when their bodies are identical: that is what
/// makes it a *strong* validator, and it needs no extra column in the database.
public enum ETag {
    /// `"<32 hex digits>"` for the given body.
    public static func strong(for body: [UInt8]) -> String {
        Hex.encode(Digest.sha256(body).prefix(16), prefix: UInt8(ascii: "\""), suffix: UInt8(ascii: "\""))
    }

    /// `If-None-Match` evaluation (weak comparison): true when the client's copy is current.
    public static func noneMatch(_ header: String, matches current: String) -> Bool {
        let current = opaque(current)
        return tags(in: header).contains { $0 == "*" || opaque($0) == current }
    }

    /// `If-Match` evaluation: true when the precondition holds.
    ///
    /// RFC 9110 asks for strong comparison here, but nginx's gzip filter turns our strong
    /// tags into weak ones (`W/"…"`) on compressed responses, so a client that read a
    /// gzipped body holds a weak copy of the very same tag. Since every tag is computed
    /// from the uncompressed representation, its opaque part still identifies the state
    /// exactly, so the `W/` prefix is ignored rather than failing every such client with 412.
    public static func match(_ header: String, matches current: String) -> Bool {
        let current = opaque(current)
        return tags(in: header).contains { $0 == "*" || opaque($0) == current }
    }

    private static func tags(in header: String) -> [String] {
        header.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }

    private static func opaque(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

import HTTPTypes

/// `?limit=` and `?cursor=` of a collection request, validated.
///
/// Paging is keyset-based on the id: the cursor is an opaque encoding of the last id
/// already returned, so a page is `WHERE id > cursor ORDER BY id LIMIT n`. Rows inserted
/// while a client walks the pages get higher ids and appear at the end: every row is seen
/// exactly once, which offset paging cannot promise.
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public let limit: Int
    /// Return only ids greater than this (`nil` for the first page).
    public let after: Int64?

    public init(limit: Int = PageRequest.defaultLimit, after: Int64? = nil) {
        self.limit = limit
        self.after = after
    }

    /// Reads `limit` and `cursor` from the query; both problems are reported together.
    public init(query: [String: String]) throws(APIError) {
        var errors: [FieldError] = []
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            if let value = Int(text), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), (1...Self.maximumLimit).contains(value) {
                limit = value
            } else {
                errors.append(FieldError("limit", "must be an integer from 1 to \(Self.maximumLimit)"))
            }
        }
        var after: Int64?
        if let cursor = query["cursor"] {
            if let id = Self.decodeCursor(cursor) { after = id } else { errors.append(FieldError("cursor", "is not a valid cursor")) }
        }
        if !errors.isEmpty { throw .validation(errors) }
        self.init(limit: limit, after: after)
    }

    /// The opaque cursor that continues after `id`.
    public static func encodeCursor(after id: Int64) -> String {
        Base64URL.encode(Array("v1:\(id)".utf8))
    }

    static func decodeCursor(_ cursor: String) -> Int64? {
        guard let bytes = Base64URL.decode(cursor), let text = String(validating: bytes, as: UTF8.self),
              text.hasPrefix("v1:")
        else { return nil }
        return ResourceID.parse(text.dropFirst(3))
    }
}

extension Response {
    /// A page of a collection: a JSON array of the items, plus `Link: <…>; rel="next"`
    /// when more items exist. Handlers fetch `limit + 1` rows to know that without a count.
    public static func page<Item>(
        _ rows: [Item], request: Request, page: PageRequest, id: (Item) -> Int64, json: (Item) -> JSONValue
    ) -> Response {
        let items = rows.prefix(page.limit)
        var response = Response.json(.array(items.map(json)))
        if rows.count > page.limit, let last = items.last {
            var pairs = request.rawQuery.split(separator: "&").compactMap { pair -> (String, String)? in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = PercentEncoding.decode(parts[0], plusAsSpace: true), name != "cursor" else { return nil }
                return (name, parts.count > 1 ? PercentEncoding.decode(parts[1], plusAsSpace: true) ?? "" : "")
            }
            pairs.append(("cursor", PageRequest.encodeCursor(after: id(last))))
            response.headers[.link] = "<\(request.path)?\(QueryString.encode(pairs))>; rel=\"next\""
        }
        return response
    }
}

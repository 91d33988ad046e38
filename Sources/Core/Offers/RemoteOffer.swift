/// One offer as the offers service reports it: `{"id": "<uuid>", "price": <integer>, "items_in_stock": <integer>}`.
///
/// Bodies are checked strictly before anything is written: a list that fails any check is
/// rejected whole (`malformedBody`), so a garbled answer can never replace good offers.
public struct RemoteOffer: Sendable, Equatable {
    /// Lower-case canonical UUID text; stable across calls for the same offer.
    public var id: String
    public var price: Int64
    public var itemsInStock: Int32

    public init(id: String, price: Int64, itemsInStock: Int32) {
        self.id = id
        self.price = price
        self.itemsInStock = itemsInStock
    }

    /// Parses the body of `GET /products/{uuid}/offers`.
    public static func list(from body: [UInt8]) throws(OffersClientError) -> [RemoteOffer] {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body, limits: parsingLimits)
        } catch {
            switch error {
            case .malformed(let syntax): throw .malformedBody("offers: not JSON (\(syntax))")
            case .limitExceeded(let limit): throw .malformedBody("offers: too large (\(limit))")
            }
        }
        guard case .array(let elements) = document else {
            throw .malformedBody("offers: expected an array, got \(document.typeName)")
        }
        var offers: [RemoteOffer] = []
        offers.reserveCapacity(elements.count)
        var seen: Set<String> = []
        for (index, element) in elements.enumerated() {
            guard case .object(let object) = element else {
                throw .malformedBody("offers[\(index)]: expected an object, got \(element.typeName)")
            }
            guard case .string(let rawID)? = object["id"], let id = canonicalUUID(rawID) else {
                throw .malformedBody("offers[\(index)].id: expected a UUID string")
            }
            guard case .number(let priceText)? = object["price"], let price = nonNegativeInteger(priceText, max: Int64.max) else {
                throw .malformedBody("offers[\(index)].price: expected a non-negative integer")
            }
            guard case .number(let stockText)? = object["items_in_stock"], let stock = nonNegativeInteger(stockText, max: Int64(Int32.max)) else {
                throw .malformedBody("offers[\(index)].items_in_stock: expected a non-negative integer")
            }
            guard seen.insert(id).inserted else { throw .malformedBody("offers[\(index)].id: duplicate offer id \(id)") }
            offers.append(RemoteOffer(id: id, price: price, itemsInStock: Int32(stock)))
        }
        return offers
    }

    /// Parses the body of a 201 from `POST /auth`.
    public static func accessToken(from body: [UInt8]) throws(OffersClientError) -> String {
        guard case .object(let object)? = try? JSONParser.parse(body, limits: parsingLimits) else {
            throw .malformedBody("auth: expected a JSON object")
        }
        // Its length is bounded by the parser's string limit.
        guard case .string(let token)? = object["access_token"], !token.isEmpty,
              !token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7E })
        else { throw .malformedBody("auth: no usable access_token") }
        return token
    }

    /// The `detail` member of an error body, if there is one (FastAPI style: a string, or a
    /// list of validation errors, which is summarised as JSON).
    public static func detail(from body: [UInt8]) -> String? {
        guard case .object(let object)? = try? JSONParser.parse(body, limits: parsingLimits), let detail = object["detail"] else { return nil }
        if case .string(let text) = detail { return text }
        return String(detail.encodedString.prefix(200))
    }

    /// `8-4-4-4-12` hex digits, returned in lower case; `nil` for anything else.
    public static func canonicalUUID(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                let isHex = (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
                guard isHex else { return nil }
            }
        }
        return text.lowercased()
    }

    /// A JSON number literal that is a plain integer from 0 to `max` (no fraction, no exponent).
    static func nonNegativeInteger(_ literal: String, max: Int64) -> Int64? {
        guard !literal.isEmpty, literal.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int64(literal), value <= max else {
            return nil
        }
        return value
    }
}

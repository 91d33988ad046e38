import Foundation

/// Validated bodies of the library routes.
public enum LibraryInput {
    /// `POST /authors`: `{"name", "bio"?}`.
    public struct AuthorFields: Sendable, Equatable {
        public let name: String
        public let bio: String

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, allowed: ["name", "bio"])
            let name = reader.string("name", required: true, length: 1...200)
            let bio = reader.string("bio", required: false, length: 0...10_000)
            try reader.finish()
            self.name = name!
            self.bio = bio ?? ""
        }

        static let schema: JSONValue = [
            "type": "object", "additionalProperties": false, "required": ["name"],
            "properties": ["name": OpenAPI.text(minLength: 1, maxLength: 200), "bio": OpenAPI.text(maxLength: 10000)],
        ]
    }

    /// `POST /books` and `PUT /books/{id}`: `{"title", "author_id", "isbn"?, "published_year"?}`.
    /// On PUT an absent optional field is cleared (full replacement).
    public struct BookFields: Sendable, Equatable {
        public let title: String
        public let authorID: Int64
        public let isbn: String?
        public let publishedYear: Int64?

        /// Years a book may carry: from year 1 to next year (announced titles).
        public static var yearRange: ClosedRange<Int64> {
            1...Int64(Calendar(identifier: .gregorian).component(.year, from: Date()) + 1)
        }

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, allowed: ["title", "author_id", "isbn", "published_year"])
            let title = reader.string("title", required: true, length: 1...500)
            let authorID = reader.integer("author_id", required: true, range: 1...Int64.max)
            var isbn: String?
            if object["isbn"] != .null, let text = reader.string("isbn", required: false, length: 0...32) {
                isbn = ISBN.normalize(text)
                if isbn == nil { reader.fail("isbn", "must be a valid ISBN-10 or ISBN-13 (checksum included)") }
            }
            var year: Int64?
            if object["published_year"] != .null {
                year = reader.integer("published_year", required: false, range: Self.yearRange)
            }
            try reader.finish()
            self.title = title!
            self.authorID = authorID!
            self.isbn = isbn
            self.publishedYear = year
        }

        static let schema: JSONValue = [
            "type": "object", "additionalProperties": false, "required": ["title", "author_id"],
            "properties": [
                "title": OpenAPI.text(minLength: 1, maxLength: 500),
                "author_id": ["type": "integer", "format": "int64", "minimum": 1, "maximum": .number(String(Int64.max)),
                              "description": "An existing author (an unknown id is a 422)."],
                "isbn": ["type": ["string", "null"], "format": "isbn", "maxLength": 32,
                         "description": "ISBN-10 or ISBN-13 with a valid check digit; hyphens and spaces allowed (format `isbn`). Unique: another book's ISBN is a 409."],
                "published_year": ["type": ["integer", "null"], "minimum": 1, "maximum": .int(Int(yearRange.upperBound)),
                                   "description": "From year 1 to next year."],
            ],
        ]
    }
}

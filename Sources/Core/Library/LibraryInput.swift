import Foundation

/// Validated bodies of the library routes, and each field's rules (declared once: the
/// validation here and the request and response schemas are derived from them).
public enum LibraryInput {
    /// `POST /authors`: `{"name", "bio"?}`.
    public struct AuthorFields: Sendable, Equatable {
        public let name: String
        public let bio: String

        public static let nameField = Field.text("name", length: 1...200)
        public static let bioField = Field.text("bio", length: 0...10_000)
        public static let fields = [nameField, bioField]

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, fields: Self.fields)
            let name = reader.text(Self.nameField, required: true)
            let bio = reader.text(Self.bioField, required: false)
            try reader.finish()
            self.name = name!
            self.bio = bio ?? ""
        }

        static let schema = fields.requestBodySchema(leading: [("required", ["name"])])
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

        public static let titleField = Field.text("title", length: 1...500)
        public static let authorIDField = Field.integer("author_id", range: 1...Int64.max, format: "int64")
            .described("An existing author (an unknown id is a 422).")
        /// Read with hyphens and spaces, stored normalised (`ISBN`), so the response
        /// repeats neither the input's format nor its length.
        public static let isbnField = Field.text("isbn", length: 0...32, format: "isbn").nullable()
            .withoutPattern()  // format `isbn` already rules NUL out
            .described("ISBN-10 or ISBN-13 with a valid check digit; hyphens and spaces allowed (format `isbn`). Unique: another book's ISBN is a 409.")
            .respondedAs("Normalised ISBN-10 or ISBN-13 (digits, final X allowed for ISBN-10).")
            .showing([])
        /// The upper bound moves with the calendar (next year), so only requests state it.
        public static var publishedYearField: Field {
            Field.integer("published_year", range: yearRange).nullable()
                .described("From year 1 to next year.")
                .showing([])
        }
        public static var fields: [Field] { [titleField, authorIDField, isbnField, publishedYearField] }

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, fields: Self.fields)
            let title = reader.text(Self.titleField, required: true)
            let authorID = reader.integer(Self.authorIDField, required: true)
            var isbn: String?
            if let text = reader.text(Self.isbnField, required: false) {
                isbn = ISBN.normalize(text)
                if isbn == nil { reader.fail(Self.isbnField.name, "must be a valid ISBN-10 or ISBN-13 (checksum included)") }
            }
            let year = reader.integer(Self.publishedYearField, required: false)
            try reader.finish()
            self.title = title!
            self.authorID = authorID!
            self.isbn = isbn
            self.publishedYear = year
        }

        static let schema = fields.requestBodySchema(leading: [("required", ["title", "author_id"])])
    }
}

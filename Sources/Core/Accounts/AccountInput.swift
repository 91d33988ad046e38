/// Validated bodies of the accounts routes.
///
/// Passwords are 8 to 1024 characters: the minimum is the API contract, the maximum keeps
/// a hostile body from making the server hash megabytes.
public enum AccountInput {
    public static let passwordLength = 8...1024
    public static let nameLength = 1...200

    /// `POST /register`: `{"email", "password", "name"}`.
    public struct Registration: Sendable, Equatable {
        public let email: String
        public let password: String
        public let name: String

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, allowed: ["email", "password", "name"])
            let email = AccountInput.email(&reader, required: true)
            let password = reader.string("password", required: true, length: AccountInput.passwordLength)
            let name = reader.string("name", required: true, length: AccountInput.nameLength)
            try reader.finish()
            self.email = email!
            self.password = password!
            self.name = name!
        }
    }

    /// `POST /auth/login`: `{"email", "password"}`. Only the shape is checked: a login
    /// never says which of the two was wrong.
    public struct Login: Sendable, Equatable {
        public let email: String
        public let password: String

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, allowed: ["email", "password"])
            let email = reader.string("email", required: true, length: 0...EmailAddress.maximumLength)
            let password = reader.string("password", required: true, length: 0...AccountInput.passwordLength.upperBound)
            try reader.finish()
            self.email = EmailAddress.normalize(email!)
            self.password = password!
        }
    }

    /// `PATCH /users/{id}`: any of `name`, `email`, `password`, `role`, and
    /// `current_password`, which proves the caller knows the account's password.
    public struct UserPatch: Sendable, Equatable {
        public var name: String?
        public var email: String?
        public var password: String?
        public var role: Role?
        public var currentPassword: String?

        /// The fields that change something; `current_password` alone changes nothing.
        static let changeFields = ["name", "email", "password", "role"]

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, allowed: Set(Self.changeFields + ["current_password"]))
            name = reader.string("name", required: false, length: AccountInput.nameLength)
            email = AccountInput.email(&reader, required: false)
            password = reader.string("password", required: false, length: AccountInput.passwordLength)
            if let text = reader.string("role", required: false, length: 1...20) {
                if let role = Role(rawValue: text) { self.role = role } else { reader.fail("role", "must be one of: admin, user") }
            }
            // Checked against the stored hash, never against the password policy: only the
            // upper bound, so a hostile body cannot make the server hash megabytes.
            currentPassword = reader.string("current_password", required: false, length: 0...AccountInput.passwordLength.upperBound)
            if !Self.changeFields.contains(where: { object[$0] != nil }) {
                reader.fail("body", "must contain at least one of: \(Self.changeFields.joined(separator: ", "))")
            }
            try reader.finish()
        }

        /// Whether the patch changes what signs the account in (its email or password).
        /// Callers changing these on their own account must send `current_password`, so
        /// a stolen access token alone cannot take the account over.
        public var changesCredentials: Bool { email != nil || password != nil }
    }

    static func email(_ reader: inout FieldReader, required: Bool) -> String? {
        guard let raw = reader.string("email", required: required, length: 0...(EmailAddress.maximumLength + 64)) else { return nil }
        let email = EmailAddress.normalize(raw)
        if let problem = EmailAddress.problem(with: email) {
            reader.fail("email", problem)
            return nil
        }
        return email
    }

    static let registrationSchema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["email", "password", "name"],
        "properties": [
            "email": OpenAPI.text(maxLength: 254, format: "email"),
            "password": writeOnly(OpenAPI.text(minLength: 8, maxLength: 1024)),
            "name": OpenAPI.text(minLength: 1, maxLength: 200),
        ],
    ]

    static let loginSchema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["email", "password"],
        "properties": [
            "email": OpenAPI.text(maxLength: 254),
            "password": writeOnly(OpenAPI.text(maxLength: 1024)),
        ],
    ]

    static let userPatchSchema: JSONValue = [
        "type": "object", "additionalProperties": false,
        // At least one field that changes something (`current_password` alone does not).
        "anyOf": .array(UserPatch.changeFields.map { field -> JSONValue in ["required": [.string(field)]] }),
        "properties": [
            "email": described(OpenAPI.text(maxLength: 254, format: "email"),
                               "Changing your own needs `current_password`. An address that belongs to another account is a 409."),
            "password": writeOnly(described(OpenAPI.text(minLength: 8, maxLength: 1024),
                                            "Changing your own needs `current_password`.")),
            "name": OpenAPI.text(minLength: 1, maxLength: 200),
            "role": ["type": "string", "enum": ["admin", "user"], "description": "Only an admin may change roles; demoting the last admin is a 409."],
            "current_password": writeOnly(described(OpenAPI.text(maxLength: 1024),
                "The account's present password. Required when you change your own `email` or `password` (403 if missing or wrong); not needed, and ignored, otherwise (an admin changing another user's account does not know it).")),
        ],
    ]

    private static func described(_ schema: JSONValue, _ description: String) -> JSONValue {
        guard case .object(var object) = schema else { return schema }
        object["description"] = .string(description)
        return .object(object)
    }

    private static func writeOnly(_ schema: JSONValue) -> JSONValue {
        guard case .object(var object) = schema else { return schema }
        object["writeOnly"] = true
        return .object(object)
    }

    static let tokenSchema: JSONValue = [
        "type": "object", "required": ["access_token", "token_type", "expires_in"],
        "properties": [
            "access_token": ["type": "string"],
            "token_type": ["type": "string", "enum": ["bearer"]],
            "expires_in": ["type": "integer"],
        ],
    ]
}

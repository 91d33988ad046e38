/// Validated bodies of the accounts routes, and each field's rules (declared once: the
/// validation here and the request and response schemas are derived from them).
///
/// Passwords are 8 to 1024 characters: the minimum is the API contract, the maximum keeps
/// a hostile body from making the server hash megabytes.
public enum AccountInput {
    public static let passwordLength = 8...1024
    public static let nameLength = 1...200

    /// Stored normalised (`EmailAddress`), so the response states the format only.
    public static let emailField = Field.text("email", length: 0...EmailAddress.maximumLength, format: "email").showing(.format)
    public static let passwordField = Field.text("password", length: passwordLength).writeOnly()
    public static let nameField = Field.text("name", length: nameLength)
    public static let roleField = Field.choice("role", Role.allCases.map(\.rawValue), length: 1...20)
    /// Checked against the stored hash, never against the password policy: only the
    /// upper bound, so a hostile body cannot make the server hash megabytes.
    static let currentPasswordField = passwordField.shapeOnly(named: "current_password")
        .described("The account's present password. Required when you change your own `email` or `password` (403 if missing or wrong); not needed, and ignored, otherwise (an admin changing another user's account does not know it).")

    /// `POST /register`: `{"email", "password", "name"}`.
    public struct Registration: Sendable, Equatable {
        public let email: String
        public let password: String
        public let name: String

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, fields: Self.fields)
            let email = AccountInput.email(&reader, required: true)
            let password = reader.text(AccountInput.passwordField, required: true)
            let name = reader.text(AccountInput.nameField, required: true)
            try reader.finish()
            self.email = email!
            self.password = password!
            self.name = name!
        }

        static let fields = [emailField, passwordField, nameField]
    }

    /// `POST /auth/login`: `{"email", "password"}`. Only the shape is checked: a login
    /// never says which of the two was wrong.
    public struct Login: Sendable, Equatable {
        public let email: String
        public let password: String

        public init(_ object: JSONObject) throws(APIError) {
            var reader = FieldReader(object, fields: Self.fields)
            let email = reader.text(Self.emailShape, required: true)
            let password = reader.text(Self.passwordShape, required: true)
            try reader.finish()
            self.email = EmailAddress.normalize(email!)
            self.password = password!
        }

        /// The registration's email and password, checked for shape only.
        static let emailShape = emailField.shapeOnly()
        static let passwordShape = passwordField.shapeOnly()
        static let fields = [emailShape, passwordShape]
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
            var reader = FieldReader(object, fields: Self.fields)
            name = reader.text(AccountInput.nameField, required: false)
            email = AccountInput.email(&reader, required: false)
            password = reader.text(AccountInput.passwordField, required: false)
            role = reader.choice(AccountInput.roleField, required: false).flatMap(Role.init(rawValue:))
            currentPassword = reader.text(AccountInput.currentPasswordField, required: false)
            if !Self.changeFields.contains(where: { object[$0] != nil }) {
                reader.fail("body", "must contain at least one of: \(Self.changeFields.joined(separator: ", "))")
            }
            try reader.finish()
        }

        /// Whether the patch changes what signs the account in (its email or password).
        /// Callers changing these on their own account must send `current_password`, so
        /// a stolen access token alone cannot take the account over.
        public var changesCredentials: Bool { email != nil || password != nil }

        static let fields = [
            emailField.described("Changing your own needs `current_password`. An address that belongs to another account is a 409."),
            passwordField.described("Changing your own needs `current_password`."),
            nameField,
            roleField.described("Only an admin may change roles; demoting the last admin is a 409."),
            currentPasswordField,
        ]
    }

    static func email(_ reader: inout FieldReader, required: Bool) -> String? {
        // Room for the whitespace that normalising trims; the declared bound is checked after.
        guard let raw = reader.string(emailField.name, required: required, length: 0...(EmailAddress.maximumLength + 64)) else { return nil }
        let email = EmailAddress.normalize(raw)
        if let problem = EmailAddress.problem(with: email) {
            reader.fail(emailField.name, problem)
            return nil
        }
        return email
    }

    static let registrationSchema = Registration.fields.requestBodySchema(leading: [("required", ["email", "password", "name"])])

    static let loginSchema = Login.fields.requestBodySchema(leading: [("required", ["email", "password"])])

    static let userPatchSchema = UserPatch.fields.requestBodySchema(leading: [
        // At least one field that changes something (`current_password` alone does not).
        ("anyOf", .array(UserPatch.changeFields.map { field -> JSONValue in ["required": [.string(field)]] })),
    ])

    static let tokenSchema: JSONValue = [
        "type": "object", "required": ["access_token", "token_type", "expires_in"],
        "properties": [
            "access_token": ["type": "string"],
            "token_type": ["type": "string", "enum": ["bearer"]],
            "expires_in": ["type": "integer"],
        ],
    ]
}

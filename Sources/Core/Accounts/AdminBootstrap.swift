/// Creating the first admin from the command line (`catalog admin create`).
///
/// There is no built-in admin and no default password anywhere: an operator runs this
/// once with a password read from stdin. Run again for an existing email, it promotes
/// that account to admin and sets the given password (invalidating its old tokens).
public enum AdminBootstrap {
    public enum Outcome: Equatable, Sendable {
        case created(User)
        case promoted(User)
    }

    public static func createOrPromote(email rawEmail: String, name: String, password: String, database: Database,
                                       hasher: PasswordHasher = PasswordHasher()) throws -> Outcome {
        let email = EmailAddress.normalize(rawEmail)
        var problems: [FieldError] = []
        if let problem = EmailAddress.problem(with: email) { problems.append(FieldError("email", problem)) }
        if !AccountInput.nameLength.contains(name.unicodeScalars.count) { problems.append(FieldError("name", "must be 1 to 200 characters")) }
        if !AccountInput.passwordLength.contains(password.unicodeScalars.count) {
            problems.append(FieldError("password", "must be 8 to 1024 characters"))
        }
        if !problems.isEmpty { throw APIError.validation(problems) }
        let hash = hasher.hash(password)
        return try database.transaction { db in
            if let existing = try UserStore.find(db, email: email) {
                let user = try UserStore.update(db, id: existing.id, name: name, email: nil, passwordHash: hash, role: .admin)!
                return .promoted(user)
            }
            return .created(try UserStore.insert(db, email: email, name: name, passwordHash: hash, role: .admin))
        }
    }
}

import HTTPTypes

/// `POST /register` and `POST /auth/login`.
public enum AccountRoutes {
    static func register(in router: inout Router, tokens: TokenAuthenticator, hasher: PasswordHasher) {
        router.add(.post, "/register", Operation("register", "Create a user account", tags: ["accounts"])
            .body(AccountInput.registrationSchema)
            .response(201, "The new user (role `user`).", schema: OpenAPI.ref("User"), headers: ["Location"])
            .problems(409, 429)
            .describe("Emails are unique case-insensitively (409 on a duplicate). nginx rate-limits this route per client address (429).")) { request, context in
            let input = try AccountInput.Registration(request.jsonObject(limits: context.configuration.jsonLimits))
            let hash = hasher.hash(input.password)
            let user: User
            do {
                user = try context.database.transaction { db in
                    try UserStore.insert(db, email: input.email, name: input.name, passwordHash: hash, role: .user)
                }
            } catch let error as DatabaseError where error.isUniqueViolation {
                throw APIError.conflict("An account with this email already exists.", field: "email")
            }
            var response = Response.json(user.json, status: .created, etag: true)
            response.headers[.location] = "/users/\(user.id)"
            return response
        }

        router.add(.post, "/auth/login", Operation("login", "Exchange email and password for an access token", tags: ["accounts"])
            .body(AccountInput.loginSchema)
            .response(200, "An access token.", schema: AccountInput.tokenSchema)
            .problems(401, 429)
            .describe("A wrong email and a wrong password get the same 401 in about the same time. nginx rate-limits this route per client address (429).")) { request, context in
            let input = try AccountInput.Login(request.jsonObject(limits: context.configuration.jsonLimits))
            let found = try context.database.read { db in try UserStore.credentials(db, email: input.email) }
            guard let found else {
                hasher.dummyVerify(input.password)  // spend the same time as a real check
                throw invalidCredentials
            }
            switch hasher.verify(input.password, against: found.passwordHash) {
            case .invalid:
                throw invalidCredentials
            case .valid(let needsRehash):
                if needsRehash {
                    let newHash = hasher.hash(input.password)
                    try context.database.transaction { db in try UserStore.rehash(db, id: found.user.id, passwordHash: newHash) }
                }
            }
            let token = tokens.issue(for: found.user, tokenVersion: found.tokenVersion)
            var response = Response.json(["access_token": .string(token), "token_type": "bearer", "expires_in": .int(tokens.lifetime)])
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    /// The one answer to every failed login, so it reveals nothing about which part was wrong.
    static let invalidCredentials = APIError.unauthorized("Invalid email or password.")
}

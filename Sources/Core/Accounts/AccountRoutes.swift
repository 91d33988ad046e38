import HTTPTypes

/// `POST /register` and `POST /auth/login`.
public enum AccountRoutes {
    static func register(in router: inout Router, tokens: TokenAuthenticator, passwords: PasswordWork,
                         throttle: LoginThrottle.Policy, instrumentation: ServiceInstrumentation?) {
        router.add(.post, "/register", Operation("register", "Create a user account", tags: ["accounts"])
            .body(AccountInput.registrationSchema)
            .response(201, "The new user (role `user`).", schema: OpenAPI.ref("User"), headers: ["Location"])
            .problems(409, 429)
            .describe("""
                Emails are unique case-insensitively: a duplicate is a 409, which tells the caller that the \
                address has an account. That is deliberate: without a confirmation email there is no other \
                way to tell a person why their sign-up failed. The 409 says nothing else about the account, \
                takes as long as a successful registration (the password is hashed first), and nginx \
                rate-limits this route per client address and in total (429), which bounds how fast addresses \
                can be tried. When every password-hashing slot of the pool is busy the answer is 503 with \
                Retry-After.
                """)) { request, context in
            let input = try AccountInput.Registration(request.jsonObject(limits: context.configuration.jsonLimits))
            let hash = try passwords.hash(input.password)
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
            .describe("""
                A wrong email and a wrong password get the same 401 in about the same time. nginx rate-limits this \
                route per client address and in total (429). After \(throttle.freeFailures) failed attempts for one \
                email, known or not, further attempts for it get 429 with Retry-After for a growing interval (up to \
                \(throttle.maximumWaitSeconds) s), except from addresses where that account signed in successfully \
                before. When every password-hashing slot of the pool is busy the answer is 503 with Retry-After.
                """)) { request, context in
            let input = try AccountInput.Login(request.jsonObject(limits: context.configuration.jsonLimits))
            let addressKey = request.clientAddress.flatMap(ClientAddress.key)
            // Cheap checks first: the throttle and the lookup are one indexed read each; no
            // password is hashed for a throttled email.
            let (found, wait) = try context.database.read { db in
                (try UserStore.credentials(db, email: input.email),
                 try LoginThrottle.waitSeconds(db, email: input.email, addressKey: addressKey))
            }
            if let wait {
                instrumentation?.record(.loginThrottled)
                throw APIError.tooManyRequests("Too many failed sign-ins for this account; retry in \(wait) s.", retryAfter: wait)
            }
            let verification: PasswordHasher.Verification
            if let found {
                verification = try passwords.verify(input.password, against: found.passwordHash)
            } else {
                try passwords.dummyVerify(input.password)  // spend the same time as a real check
                verification = .invalid
            }
            guard case .valid(let needsRehash) = verification, let found else {
                _ = try context.database.transaction { db in try LoginThrottle.recordFailure(db, email: input.email, policy: throttle) }
                throw invalidCredentials
            }
            // An outdated hash is upgraded when a slot is free; otherwise at a later sign-in.
            let newHash = needsRehash ? try? passwords.hash(input.password) : nil
            try context.database.transaction { db in
                if let newHash { try UserStore.rehash(db, id: found.user.id, passwordHash: newHash) }
                try LoginThrottle.recordSuccess(db, email: input.email, userID: found.user.id, addressKey: addressKey, policy: throttle)
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

import HTTPTypes

/// The users resource: the caller's own record, and administration of accounts.
///
/// A signed-in user may read, change and delete only their own record (another user's id
/// is 403, whether or not it exists, so ids cannot be probed); an admin may do so for
/// anyone, and only an admin may change a role.
public enum UserRoutes {
    static func register(in router: inout Router, hasher: PasswordHasher) {
        router.add(.get, "/users/me", Operation("getCurrentUser", "The signed-in user", tags: ["users"])
            .access(.signedIn)
            .response(200, "The caller's record.", schema: OpenAPI.ref("User"), headers: ["ETag"])) { _, context in
            guard let user = try context.database.read({ db in try UserStore.find(db, id: context.caller.userID) }) else {
                throw APIError.unauthorized("The token is no longer valid; sign in again.")
            }
            return .json(user.json, etag: true)
        }

        router.add(.get, "/users", Operation("listUsers", "List users", tags: ["users"])
            .access(.admin)
            .parameters(OpenAPI.queryParameter("email", "Exact (case-insensitive) email lookup.",
                                               schema: OpenAPI.text(maxLength: EmailAddress.maximumLength)))
            .parameters(OpenAPI.pagingParameters[0], OpenAPI.pagingParameters[1])
            .response(200, "A page of users in id order.", schema: OpenAPI.arrayOf("User"), headers: ["Link"])
            .problems(422)) { request, context in
            var errors: [FieldError] = []
            var page = PageRequest()
            do { page = try PageRequest(query: request.query) } catch let error as APIError { if case .validation(let found) = error { errors += found } }
            let email = request.query["email"]
            if let email, email.unicodeScalars.count > EmailAddress.maximumLength || email.unicodeScalars.contains("\u{0}") {
                // (NUL cannot even be sent to PostgreSQL: this was a 500, found by the contract run)
                errors.append(FieldError("email", "must be at most \(EmailAddress.maximumLength) characters with no NUL"))
            }
            if !errors.isEmpty { throw APIError.validation(errors) }
            let users = try context.database.read { db in
                try UserStore.list(db, email: email.map(EmailAddress.normalize), after: page.after, limit: page.limit + 1)
            }
            return .page(users, request: request, page: page, id: \.id, json: \.json)
        }

        router.add(.get, "/users/{id}", Operation("getUser", "Get a user", tags: ["users"])
            .access(.signedIn)
            .response(200, "The user.", schema: OpenAPI.ref("User"), headers: ["ETag"])
            .response(304, "The cached copy is current.", headers: ["ETag"])
            .problems(403)) { _, context in
            let id = try authorize(context)
            guard let user = try context.database.read({ db in try UserStore.find(db, id: id) }) else {
                throw APIError.notFound("There is no user \(id).")
            }
            return .json(user.json, etag: true)
        }

        router.add(.patch, "/users/{id}", Operation("updateUser", "Update a user", tags: ["users"])
            .access(.signedIn)
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the user changed since."))
            .body(AccountInput.userPatchSchema)
            .response(200, "The updated user.", schema: OpenAPI.ref("User"), headers: ["ETag"])
            .problems(403, 409, 412)
            .describe("A password change, or a role change, invalidates every token issued to that user before it.")) { request, context in
            let id = try authorize(context)
            let patch = try AccountInput.UserPatch(request.jsonObject(limits: context.configuration.jsonLimits))
            if patch.role != nil, !context.caller.isAdmin {
                throw APIError.forbidden("Only an admin may change a role.")
            }
            let hash = patch.password.map { hasher.hash($0) }
            let user: User
            do {
                user = try context.database.transaction { db in
                    if request.hasIfMatch {
                        guard let current = try UserStore.find(db, id: id, lock: true) else { throw APIError.notFound("There is no user \(id).") }
                        try request.checkIfMatch(currentETag: ETag.strong(for: current.json.encoded))
                    }
                    guard let user = try UserStore.update(db, id: id, name: patch.name, email: patch.email, passwordHash: hash, role: patch.role) else {
                        throw APIError.notFound("There is no user \(id).")
                    }
                    return user
                }
            } catch let error as DatabaseError where error.isUniqueViolation {
                throw APIError.conflict("An account with this email already exists.", field: "email")
            }
            return .json(user.json, etag: true)
        }

        router.add(.delete, "/users/{id}", Operation("deleteUser", "Delete a user", tags: ["users"])
            .access(.signedIn)
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the user changed since."))
            .response(204, "Deleted. Books the user owned stay, with `owner_id` null.")
            .problems(403, 412)) { request, context in
            let id = try authorize(context)
            try context.database.transaction { db in
                if request.hasIfMatch {
                    guard let current = try UserStore.find(db, id: id, lock: true) else { throw APIError.notFound("There is no user \(id).") }
                    try request.checkIfMatch(currentETag: ETag.strong(for: current.json.encoded))
                }
                guard try UserStore.delete(db, id: id) else { throw APIError.notFound("There is no user \(id).") }
            }
            return .noContent
        }
    }

    /// The path's user id, if the caller may act on it (403 otherwise, before any lookup).
    private static func authorize(_ context: RequestContext) throws -> Int64 {
        let id = context.parameters.id()
        guard context.caller.mayActFor(userID: id) else {
            throw APIError.forbidden("You may only access your own account.")
        }
        return id
    }

    static let schemas: [(String, JSONValue)] = [("User", User.schema)]
}

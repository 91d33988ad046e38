import HTTPTypes

/// The users resource: the caller's own record, and administration of accounts.
///
/// A signed-in user may read, change and delete only their own record (another user's id
/// is 403, whether or not it exists, so ids cannot be probed); an admin may do so for
/// anyone, and only an admin may change a role.
public enum UserRoutes {
    static func register(in router: inout Router, hasher: PasswordWork) {
        router.add(.get, "/users/me", .signedIn, Operation("getCurrentUser", "The signed-in user", tags: ["users"])
            .response(200, "The caller's record.", schema: OpenAPI.ref("User"), headers: ["ETag"])) { _, context, caller in
            guard let user = try context.database.read({ db in try UserStore.find(db, id: caller.userID) }) else {
                throw APIError.unauthorized("The token is no longer valid; sign in again.")
            }
            return .json(user.json, etag: true)
        }

        router.add(.get, "/users", .admin, Operation("listUsers", "List users", tags: ["users"])
            .parameters(OpenAPI.queryParameter("email", "Exact (case-insensitive) email lookup.",
                                               schema: AccountInput.emailField.shapeOnly().requestSchema))
            .parameters(OpenAPI.pagingParameters[0], OpenAPI.pagingParameters[1])
            .response(200, "A page of users in id order.", schema: OpenAPI.arrayOf("User"), headers: ["Link"])
            .problems(422)) { request, context, _ in
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

        router.add(.get, "/users/{id}", .signedIn, Operation("getUser", "Get a user", tags: ["users"])
            .response(200, "The user.", schema: OpenAPI.ref("User"), headers: ["ETag"])
            .response(304, "The cached copy is current.", headers: ["ETag"])
            .problems(403)) { _, context, caller in
            let id = try authorize(context, caller)
            guard let user = try context.database.read({ db in try UserStore.find(db, id: id) }) else {
                throw APIError.notFound("There is no user \(id).")
            }
            return .json(user.json, etag: true)
        }

        router.add(.patch, "/users/{id}", .signedIn, Operation("updateUser", "Update a user", tags: ["users"])
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the user changed since."))
            .body(AccountInput.userPatchSchema)
            .response(200, "The updated user.", schema: OpenAPI.ref("User"), headers: ["ETag"])
            .problem(403, "Another user's account; a role change by a non-admin; or your own `email` or `password` changed without the right `current_password`.")
            .problem(409, "The email belongs to another account; the change would demote the last admin; or the password changed while the request was handled (retry).")
            .problems(412)
            .describe("""
                Changing your own `email` or `password` needs `current_password`, the account's present \
                password (403 if missing or wrong), so that a stolen token alone cannot take the account \
                over; an admin changing another user's account does not send it. A password change, or a \
                role change, invalidates every token issued to that user before it. The last admin cannot \
                be demoted (409). An email that belongs to another account is a 409: it tells a caller who \
                has just proved their current password that the address is registered, which \
                `POST /register` tells anyone.
                """)) { request, context, caller in
            // Cheap checks first, in this order: the path (403), the body (400/415/422), the
            // role rule (403), a missing current_password (403), `If-Match` (412). Only then
            // `passwordWork` spends scrypt, so none of these answers can be repeated to burn CPU.
            let id = try authorize(context, caller)
            let patch = try AccountInput.UserPatch(request.jsonObject(limits: context.configuration.jsonLimits))
            if patch.role != nil, !caller.isAdmin {
                throw APIError.forbidden("Only an admin may change a role.")
            }
            let reauthenticate = id == caller.userID && patch.changesCredentials
            if reauthenticate, patch.currentPassword == nil {
                throw APIError.forbidden("Changing your own email or password needs current_password, your present password.")
            }
            guard let before = try context.database.read({ db in try UserStore.credentials(db, id: id) }) else {
                throw APIError.notFound("There is no user \(id).")
            }
            try request.checkIfMatch(currentETag: ETag.strong(for: before.user.json.encoded))
            let hash = try passwordWork(patch, verifying: reauthenticate ? before.passwordHash : nil, hasher: hasher)
            let user: User
            do {
                // The password work ran outside the transaction, so no row lock is held
                // while a worker hashes; what it relied on is checked again under the lock.
                user = try context.database.transaction { db in
                    if patch.role == .user { try LastAdminGuard.ensureAnotherAdmin(db, besides: id) }
                    guard let current = try UserStore.credentials(db, id: id, lock: true) else { throw APIError.notFound("There is no user \(id).") }
                    try request.checkIfMatch(currentETag: ETag.strong(for: current.user.json.encoded))
                    if reauthenticate, current.passwordHash != before.passwordHash {
                        throw APIError.conflict("The password changed while this request was being handled; sign in again and retry.")
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

        router.add(.delete, "/users/{id}", .signedIn, Operation("deleteUser", "Delete a user", tags: ["users"])
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the user changed since."))
            .response(204, "Deleted. Books the user owned stay, with `owner_id` null.")
            .problems(403)
            .problem(409, "The last admin cannot be deleted.")
            .problems(412)) { request, context, caller in
            let id = try authorize(context, caller)
            try context.database.transaction { db in
                try LastAdminGuard.ensureAnotherAdmin(db, besides: id)
                if request.hasIfMatch {
                    guard let current = try UserStore.find(db, id: id, lock: true) else { throw APIError.notFound("There is no user \(id).") }
                    try request.checkIfMatch(currentETag: ETag.strong(for: current.json.encoded))
                }
                guard try UserStore.delete(db, id: id) else { throw APIError.notFound("There is no user \(id).") }
            }
            return .noContent
        }
    }

    /// Every scrypt call of `PATCH /users/{id}`, in one place, through the service's
    /// `PasswordWork` (a pool-wide hashing slot, or 503 at once; see README "Password work
    /// cannot starve reads"). Each call costs ~0.3 s of CPU, so the handler reaches this
    /// only after every cheap check. Verifies `current_password` against `storedHash` when given
    /// (403 if wrong), then hashes the new password, if any.
    private static func passwordWork(_ patch: AccountInput.UserPatch, verifying storedHash: String?, hasher: PasswordWork) throws(APIError) -> String? {
        if let storedHash {
            guard case .valid = try hasher.verify(patch.currentPassword ?? "", against: storedHash) else {
                throw APIError.forbidden("current_password is not this account's present password.")
            }
        }
        return try patch.password.map { password throws(APIError) in try hasher.hash(password) }
    }

    /// The path's user id, if the caller may act on it (403 otherwise, before any lookup).
    private static func authorize(_ context: RequestContext, _ caller: Principal) throws -> Int64 {
        let id = context.parameters.id()
        guard caller.mayActFor(userID: id) else {
            throw APIError.forbidden("You may only access your own account.")
        }
        return id
    }

    static let schemas: [(String, JSONValue)] = [("User", User.schema)]
}

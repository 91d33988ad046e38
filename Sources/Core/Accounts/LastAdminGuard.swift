/// The rule that the service always keeps an admin: the last one can be neither demoted
/// nor deleted (409), since only an admin can make another and the way back would be a
/// shell on the server (`catalog admin create`).
///
/// Race-safe by locking, not by counting: the caller runs this inside the transaction
/// that demotes or deletes, before touching the target row. It locks every admin row
/// (`UserStore.lockAdminIDs`), so two admins demoting each other at the same moment
/// queue on those locks, and the second sees the first's committed demotion and is
/// refused. Every admin it leaves locked stays an admin until the transaction ends,
/// because changing or deleting a locked row waits for the lock. A constraint trigger
/// would cover writers outside this module too, but it needs the same lock to be
/// race-safe, and only two routes demote or delete accounts (`PATCH` and `DELETE
/// /users/{id}`); the operator's commands run with a shell on the server anyway.
enum LastAdminGuard {
    /// Throws a 409 if `userID` is an admin and no other admin exists, leaving every
    /// admin row locked until the caller's transaction ends.
    static func ensureAnotherAdmin(_ db: PostgresConnection, besides userID: Int64) throws {
        let admins = try UserStore.lockAdminIDs(db)
        if admins.contains(userID), !admins.contains(where: { $0 != userID }) {
            throw APIError.conflict("This is the last admin account: make another user an admin first.")
        }
    }
}

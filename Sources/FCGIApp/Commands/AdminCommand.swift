import ArgumentParser
import Core
import Foundation
import Logging

/// `catalog admin`: account administration from the command line.
struct AdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Administer accounts from the command line.",
        subcommands: [CreateAdmin.self, Unthrottle.self])

    /// `catalog admin create --email E --name N --password-stdin`.
    struct CreateAdmin: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create an admin account, or promote an existing one (there is no default admin).")

        @Option(help: "The admin's email address.")
        var email: String

        @Option(help: "The admin's display name.")
        var name: String

        @Flag(help: "Read the password from standard input (first line). Required: passwords never go on the command line.")
        var passwordStdin = false

        func run() throws {
            guard passwordStdin else {
                Startup.printError("catalog admin create: pass --password-stdin and the password on standard input")
                throw ExitCode(64)
            }
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                Startup.printError("catalog admin create: no password on standard input")
                throw ExitCode(64)
            }
            let configuration = Startup.configuration()
            Startup.bootstrapLogging(configuration)
            let logger = Logger(label: "catalog.admin")
            let database = Database(url: configuration.databaseURL, mode: configuration.databaseStatements, transactionTimeoutMilliseconds: 30_000, logger: logger)
            do {
                switch try AdminBootstrap.createOrPromote(email: email, name: name, password: password, database: database) {
                case .created(let user): print("created admin \(user.email) (id \(user.id))")
                case .promoted(let user): print("promoted \(user.email) (id \(user.id)) to admin and set its password")
                }
            } catch let error as APIError {
                for field in error.problem.errors { Startup.printError("catalog admin create: \(field.field) \(field.message)") }
                throw ExitCode(65)
            } catch let error as DatabaseError {
                Startup.printError("catalog admin create: database error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    /// `catalog admin unthrottle --email E`: lets sign-ins for one email through again at
    /// once (see `LoginThrottle`), e.g. for a user who was locked out while travelling.
    struct Unthrottle: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unthrottle",
            abstract: "Clear the failed-sign-in throttle of one email address.")

        @Option(help: "The email address (any case).")
        var email: String

        func run() throws {
            let configuration = Startup.configuration()
            Startup.bootstrapLogging(configuration)
            let database = Database(url: configuration.databaseURL, mode: configuration.databaseStatements, transactionTimeoutMilliseconds: 30_000, logger: Logger(label: "catalog.admin"))
            do {
                let cleared = try database.transaction { db in try LoginThrottle.clear(db, email: email) }
                print(cleared ? "cleared the sign-in throttle of \(EmailAddress.normalize(email))"
                              : "\(EmailAddress.normalize(email)) had no failed sign-ins to clear")
            } catch let error as DatabaseError {
                Startup.printError("catalog admin unthrottle: database error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}

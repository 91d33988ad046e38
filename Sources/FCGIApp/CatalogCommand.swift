import ArgumentParser
import Core

/// `catalog`: the one executable of the service.
///
/// The command line is synchronous on purpose: `serve` must fork its workers before any
/// thread exists, so nothing here may start Swift concurrency or Dispatch first.
@main
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Catalog REST service: pre-forked FastCGI workers behind nginx, backed by PostgreSQL.",
        // `catalog --version`; the Debian package takes its version from this output
        // (scripts/deb.sh), so CatalogVersion.current is the one place it is declared.
        version: CatalogVersion.current,
        subcommands: [ServeCommand.self, MigrateCommand.self, AdminCommand.self, CleanupLoadTestCommand.self, StatusCommand.self, SyncOffersCommand.self,
                      MaintainPriceHistoryCommand.self]
    )
}

import Foundation
import Logging

/// HUP: re-reading the configuration when the machine asks (`.loadConfiguration`). What
/// the reload then does — a new generation, retiring the old one once all of the new one
/// is ready, going back if it cannot start — is `PoolStateMachine+Reload`.
extension Arbiter {
    func loadConfiguration() {
        logger.info("reload requested (HUP): re-reading the configuration", metadata: ["env_file": "\(source.envFile ?? "-")"])
        let loaded: ConfigurationSource.Loaded
        do {
            loaded = try source.load()
        } catch {
            send(.configurationInvalid(problems: error.lines))
            return
        }
        if let bind = loaded.environment["CATALOG_BIND"], (try? BindAddress(parsing: bind)) != socket.address, !socket.inherited {
            logger.warning("CATALOG_BIND changed; the listening socket is kept across reloads (restart to move it)", metadata: [
                "listening": "\(socket.address)", "configured": "\(bind)",
            ])
        }
        send(.configurationLoaded(settings: loaded.settings, configuration: loaded.configuration, now: Self.now()))
    }
}

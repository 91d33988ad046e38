import Foundation
import Logging

/// HUP: a zero-downtime reload. A new generation starts with the re-read configuration;
/// the old one is retired only once all of the new one is ready, and comes back if the
/// new one cannot start.
extension Arbiter {
    func beginReload() {
        guard !stopping else { return }
        if reload != nil {
            reloadPending = true
            logger.info("HUP during a reload: another reload will follow this one")
            return
        }
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())\nSTATUS=reloading")
        logger.info("reload requested (HUP): re-reading the configuration", metadata: ["env_file": "\(source.envFile ?? "-")"])
        let loaded: ConfigurationSource.Loaded
        do {
            loaded = try source.load()
        } catch {
            for line in error.lines { logger.error("reload: configuration problem", metadata: ["problem": "\(line)"]) }
            logger.error("reload aborted: the configuration is invalid; the running workers keep serving")
            scoreboard.add(.reloadsFailed)
            notifier.notify("READY=1\nSTATUS=reload failed (invalid configuration); serving with generation \(generation)")
            return
        }
        if let bind = loaded.environment["CATALOG_BIND"], (try? BindAddress(parsing: bind)) != socket.address, !socket.inherited {
            logger.warning("CATALOG_BIND changed; the listening socket is kept across reloads (restart to move it)", metadata: [
                "listening": "\(socket.address)", "configured": "\(bind)",
            ])
        }
        reload = Reload(previousGeneration: generation, previousSettings: settings, previousConfiguration: configuration,
                        deadline: Self.now() + options.readyTimeout)
        ReloadableLogging.apply(loaded.configuration)
        logger = Logger(label: "catalog.master")
        settings = loaded.settings
        configuration = loaded.configuration
        generation = nextGeneration
        nextGeneration += 1
        startFailures = 0
        nextSpawnAt = 0
        publishGauges()
        logger.info("reload: starting a new generation", metadata: ["generation": "\(generation)", "workers": "\(settings.workers)"])
    }

    func advanceReload() {
        guard var current = reload else { return }
        if !current.draining {
            let fresh = currentWorkers()
            if fresh.count >= settings.workers, fresh.allSatisfy(\.ready) {
                let old = records.values.filter { $0.generation != generation && !$0.retiring }
                for record in old { retire(record.pid, reason: "reload: generation \(generation) is ready") }
                current.draining = true
                reload = current
                logger.info("reload: new generation ready; old workers finish their requests and exit", metadata: [
                    "generation": "\(generation)", "retiring": "\(old.count)",
                ])
            } else if Self.now() > current.deadline {
                abortReload("the new workers were not ready within \(options.readyTimeout)s")
                return
            }
        }
        if current.draining, !records.values.contains(where: { $0.generation != generation }) {
            reload = nil
            scoreboard.add(.reloads)
            nextStatusAt = 0
            logger.info("reload complete", metadata: ["generation": "\(generation)", "workers": "\(currentWorkers().count)"])
            notifier.notify("READY=1\nSTATUS=serving with \(settings.workers) workers, generation \(generation)")
            if reloadPending {
                reloadPending = false
                beginReload()
            }
        }
    }

    func abortReload(_ reason: String) {
        guard let current = reload else { return }
        logger.error("reload aborted; the previous generation keeps serving", metadata: [
            "reason": "\(reason)", "generation": "\(current.previousGeneration)",
        ])
        for record in records.values where record.generation == generation {
            if record.ready { retire(record.pid, reason: "reload aborted") } else {
                kill(record.pid, SIGKILL)
                records[record.pid]!.retiring = true
            }
        }
        generation = current.previousGeneration
        settings = current.previousSettings
        configuration = current.previousConfiguration
        ReloadableLogging.apply(configuration)
        reload = nil
        reloadPending = false
        startFailures = 0
        nextSpawnAt = 0
        scoreboard.add(.reloadsFailed)
        publishGauges()
        notifier.notify("READY=1\nSTATUS=reload failed; serving with generation \(generation)")
    }
}

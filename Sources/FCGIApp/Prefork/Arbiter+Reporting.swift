import Foundation

/// What the master tells the outside: systemd (`READY=1`, watchdog pings), the
/// scoreboard's gauges, the status file (`catalog status`) and the pid file.
extension Arbiter {
    func announceReadiness() {
        guard !announcedReady, reload == nil else { return }
        let current = currentWorkers()
        guard current.count >= settings.workers, current.allSatisfy(\.ready) else { return }
        announcedReady = true
        logger.info("pool ready", metadata: ["workers": "\(current.count)", "generation": "\(generation)"])
        notifier.notify("READY=1\nSTATUS=serving with \(settings.workers) workers, generation \(generation)")
    }

    func pingWatchdog() {
        guard let interval = notifier.watchdogInterval else { return }
        let now = Self.now()
        guard now >= nextWatchdogAt else { return }
        nextWatchdogAt = now + interval
        notifier.notify("WATCHDOG=1")
    }

    func publishGauges() {
        scoreboard.set(.configuredWorkers, UInt64(settings.workers))
        scoreboard.set(.generation, UInt64(generation))
        scoreboard.set(.timeoutMilliseconds, UInt64(settings.timeout * 1000))
        scoreboard.set(.passwordSlots, UInt64(configuration.passwordSlots))
    }

    func writeStatusIfDue() {
        guard let path = options.statusFile else { return }
        let now = Self.now()
        guard now >= nextStatusAt else { return }
        nextStatusAt = now + 1
        let state = stopping ? "stopping" : reload != nil ? "reloading" : announcedReady ? "running" : "starting"
        let workers = records.values.sorted { ($0.generation, $0.startedAt) < ($1.generation, $1.startedAt) }.map { record in
            StatusReport.Worker(pid: record.pid, slot: record.slot, generation: record.generation, ready: record.ready,
                                retiring: record.retiring, maxRequests: record.maxRequests, scoreboard: scoreboard.slot(record.slot))
        }
        let report = StatusReport(
            masterPID: getpid(), listen: socket.address.description, socketFromSystemd: socket.inherited, state: state,
            startedWallMilliseconds: startedWallMilliseconds, generation: generation, settings: settings,
            envFile: source.envFile, workers: workers, scoreboard: scoreboard)
        if let error = report.write(to: path) {
            logger.warning("could not write the status file", metadata: ["path": "\(path)", "error": "\(error)"])
            nextStatusAt = now + 30
        }
    }

    func writePidFile() {
        guard let pidFile = options.pidFile else { return }
        let text = "\(getpid())\n"
        _ = FileManager.default.createFile(atPath: pidFile, contents: Data(text.utf8))
    }
}

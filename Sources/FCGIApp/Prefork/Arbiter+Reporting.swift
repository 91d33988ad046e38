import Foundation

/// What the master tells the outside on its own schedule: systemd's watchdog, the
/// scoreboard's gauges, the status file (`catalog status`) and the pid file. (What it
/// tells systemd when the pool changes — ready, reloading, stopping — the state machine
/// decides: `Arbiter+Actions`.)
extension Arbiter {
    func pingWatchdog() {
        guard let interval = notifier.watchdogInterval else { return }
        let now = Self.now()
        guard now >= nextWatchdogAt else { return }
        nextWatchdogAt = now + interval
        notifier.notify("WATCHDOG=1")
    }

    func publishGauges() {
        scoreboard.set(.configuredWorkers, UInt64(machine.settings.workers))
        scoreboard.set(.generation, UInt64(machine.generation))
        scoreboard.set(.timeoutMilliseconds, UInt64(machine.settings.timeout * 1000))
        scoreboard.set(.passwordSlots, UInt64(machine.configuration.passwordSlots))
    }

    func writeStatusIfDue() {
        guard let path = options.statusFile else { return }
        let now = Self.now()
        guard now >= nextStatusAt else { return }
        nextStatusAt = now + 1
        let workers = machine.workers.values.sorted { ($0.generation, $0.startedAt) < ($1.generation, $1.startedAt) }.map { record in
            StatusReport.Worker(pid: record.pid, slot: record.slot, generation: record.generation, ready: record.ready,
                                retiring: record.retiring, maxRequests: record.maxRequests, scoreboard: scoreboard.slot(record.slot))
        }
        let report = StatusReport(
            masterPID: getpid(), listen: socket.address.description, socketFromSystemd: socket.inherited, state: machine.stateName,
            startedWallMilliseconds: startedWallMilliseconds, generation: machine.generation, settings: machine.settings,
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

import CProcess
import Foundation
import Logging
import ProcessPool

/// Executing the state machine's actions: the system calls, the log, the scoreboard's
/// counters, systemd. Forking and re-reading the configuration answer with an event.
extension Arbiter {
    func execute(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .spawn(let spawn):
                self.spawn(spawn)
            case .signal(let pid, let signal):
                kill(pid, signal)
            case .log(let level, let message, let metadata):
                logger.log(level: level, "\(message)", metadata: metadata)
            case .count(let counter):
                scoreboard.add(Self.scoreboardCounter(counter))
            case .publishGauges:
                publishGauges()
            case .refreshStatus:
                nextStatusAt = 0
            case .notify(let notification):
                notifier.notify(Self.message(notification))
            case .loadConfiguration:
                loadConfiguration()
            case .adoptConfiguration(let configuration):
                ReloadableLogging.apply(configuration)
                logger = Logger(label: "catalog.master")
            case .restoreConfiguration(let configuration):
                ReloadableLogging.apply(configuration)
            case .printError(let line):
                Startup.printError(line)
            case .killAndReap(let pids):
                for pid in pids { kill(pid, SIGKILL) }
                for pid in pids { var status: Int32 = 0; waitpid(pid, &status, 0) }
            case .exit(let code):
                finish(exitCode: code)
            }
        }
    }

    /// Forks one worker; the machine learns the pid (or the failure) at once.
    func spawn(_ spawn: Machine.Spawn) {
        scoreboard.prepare(slot: spawn.slot, generation: spawn.generation)
        let context = WorkerContext(
            socket: socket.descriptor, socketIsTCP: socket.address.isTCP, handoff: socket.handoff, scoreboard: scoreboard,
            slot: spawn.slot, generation: spawn.generation, masterPID: getpid(), configuration: machine.configuration,
            settings: machine.settings, maxRequests: spawn.maxRequests)
        fflush(nil)  // or buffered output would be written twice, once by each process
        let pid = fork()
        if pid < 0 {
            let error = String(cString: strerror(errno))
            scoreboard.release(slot: spawn.slot)
            send(.spawnFailed(spawn, error: error, now: Self.now()))
            return
        }
        if pid == 0 {
            // The child: die with the master (and leave if it already died), then serve.
            _ = catalog_set_parent_death_signal(SIGTERM)
            if getppid() != context.masterPID { _exit(0) }
            worker(context)
        }
        send(.spawned(spawn, pid: pid, now: Self.now()))
    }

    static func scoreboardCounter(_ counter: Machine.Counter) -> Scoreboard.Counter {
        switch counter {
        case .workersStarted: .workersStarted
        case .workersCrashed: .workersCrashed
        case .workersTimedOut: .workersTimedOut
        case .workersRecycled: .workersRecycled
        case .workersRetired: .workersRetired
        case .startFailures: .startFailures
        case .reloads: .reloads
        case .reloadsFailed: .reloadsFailed
        }
    }

    static func message(_ notification: Machine.Notification) -> String {
        switch notification {
        case .reloading: "RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())\nSTATUS=reloading"
        case .ready(let status): "READY=1\nSTATUS=\(status)"
        case .stopping: "STOPPING=1\nSTATUS=stopping"
        case .givingUp: "STATUS=giving up: workers fail to start\nERRNO=70"
        }
    }
}

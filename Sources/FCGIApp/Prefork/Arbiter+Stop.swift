import Foundation

/// The end of the master, once the machine's stop (`PoolStateMachine+Stop`) has seen the
/// last worker go: the listening socket stays open until then.
extension Arbiter {
    func finish(exitCode code: Int32) {
        socket.close()
        if let pidFile = options.pidFile { unlink(pidFile) }
        if let statusFile = options.statusFile { unlink(statusFile) }
        logger.info("master stopped")
        exitCode = code
    }
}

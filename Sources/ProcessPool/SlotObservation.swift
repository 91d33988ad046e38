/// What the master read in one worker's scoreboard slot, handed to the state machine as
/// an input (the machine never reads shared memory itself).
public struct SlotObservation: Equatable, Sendable {
    /// The slot's state, as supervision sorts it.
    public enum Phase: Equatable, Sendable {
        /// Forked, not yet ready to accept.
        case starting
        /// Waiting for a request (sends heartbeats).
        case idle
        /// Reading, handling or writing a request.
        case busy
        /// Free or exiting.
        case other
    }

    /// The pid that last wrote the slot (a slot is reused, so it may be an earlier worker's).
    public var pid: Int32
    public var phase: Phase
    /// The slot's state by name, for log lines (`idle`, `handling`, …).
    public var state: String
    public var requests: UInt64
    /// Monotonic milliseconds at which the current request started; 0 when none.
    public var requestStartedMilliseconds: Int64
    /// Monotonic milliseconds of the worker's last heartbeat.
    public var heartbeatMilliseconds: Int64
    public var method: String
    public var path: String
    public var requestID: String

    public init(pid: Int32, phase: Phase, state: String, requests: UInt64 = 0, requestStartedMilliseconds: Int64 = 0,
                heartbeatMilliseconds: Int64 = 0, method: String = "", path: String = "", requestID: String = "") {
        self.pid = pid
        self.phase = phase
        self.state = state
        self.requests = requests
        self.requestStartedMilliseconds = requestStartedMilliseconds
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.method = method
        self.path = path
        self.requestID = requestID
    }
}

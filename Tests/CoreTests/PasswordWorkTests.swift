@testable import Core
import Glibc
import Testing

@Suite struct PasswordWorkTests {
    private let fast = PasswordHasher(parameters: .init(logN: 10, r: 8, p: 1))

    @Test func workRunsNicerThanTheCallerWhoseNiceIsUnchanged() {
        let before = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let inside = LowPriorityThread.run(niceIncrement: 7) { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
        let after = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #expect(inside == min(19, before + 7))
        #expect(after == before)
    }

    @Test func zeroIncrementRunsInline() {
        let caller = pthread_self()
        let sameThread = LowPriorityThread.run(niceIncrement: 0) { pthread_equal(pthread_self(), caller) != 0 }
        #expect(sameThread)
    }

    @Test func aBusySlotIsRefusedAtOnceWith503AndRetryAfter() throws {
        let admission = LocalPasswordWorkAdmission(slots: 1)
        let work = PasswordWork(hasher: fast, admission: admission, niceIncrement: 5)
        #expect(admission.tryClaim())  // someone else is hashing
        #expect(throws: APIError.serviceUnavailable("Too many passwords are being checked right now; retry in a moment.", retryAfter: 1)) {
            _ = try work.hash("correct horse")
        }
        #expect(throws: APIError.self) { _ = try work.verify("x", against: "not a hash") }
        #expect(admission.refused == 2)
        admission.release()
        let encoded = try work.hash("correct horse")
        #expect(try work.verify("correct horse", against: encoded) == .valid(needsRehash: false))
        #expect(admission.tryClaim(), "every admitted hash gave its slot back")
    }

    @Test func theResponseOfARefusalCarriesRetryAfter() {
        let response = APIError.serviceUnavailable("busy", retryAfter: PasswordWork.retryAfterSeconds).response
        #expect(response.status.code == 503)
        #expect(response.headers[.retryAfter] == "1")
    }
}

import Core
import Testing

@Suite struct LoginThrottlePolicyTests {
    @Test func freeFailuresThenADoublingWaitUpToTheCap() {
        let policy = LoginThrottle.Policy()
        #expect((1..<policy.freeFailures).allSatisfy { policy.waitSeconds(afterFailures: $0) == nil })
        #expect(policy.waitSeconds(afterFailures: policy.freeFailures) == 1)
        #expect(policy.waitSeconds(afterFailures: policy.freeFailures + 1) == 2)
        #expect(policy.waitSeconds(afterFailures: policy.freeFailures + 3) == 8)
        #expect(policy.waitSeconds(afterFailures: policy.freeFailures + 20) == policy.maximumWaitSeconds)
        #expect(policy.waitSeconds(afterFailures: Int.max) == policy.maximumWaitSeconds)
    }

    @Test func theEmailKeyIgnoresCaseAndSpaceAndHidesTheAddress() {
        let key = LoginThrottle.emailKey(" Ann@Example.COM ")
        #expect(key == LoginThrottle.emailKey("ann@example.com"))
        #expect(key.count == 64 && !key.contains("ann"))
    }
}

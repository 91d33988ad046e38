import Foundation

/// The settings of one fuzz run, shared by the unit and the end-to-end fuzz tests.
///
/// `CATALOG_FUZZ_CASES` scales a run (`make fuzz` sets it high; a plain `make test` uses
/// the small default, which takes seconds). `CATALOG_FUZZ_SEED` picks the inputs; it
/// defaults to a fixed value, so a test run is deterministic. Every case has a generator
/// of its own, derived from the seed and the case number, so a failure message naming
/// both (`caseLabel`) reproduces that one case without replaying the others.
public struct FuzzRun: Sendable {
    public static let defaultSeed: UInt64 = 0x00C0_FFEE_CA7A_1065

    public let seed: UInt64
    /// Unit-test cases in all (`CATALOG_FUZZ_CASES`, default 4,000).
    public let cases: Int

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        seed = environment["CATALOG_FUZZ_SEED"].flatMap { UInt64($0) } ?? Self.defaultSeed
        cases = environment["CATALOG_FUZZ_CASES"].flatMap { Int($0) }.map { max(1, $0) } ?? 4_000
    }

    /// End-to-end cases: a tenth of the unit cases (each is an HTTP request through nginx
    /// to a worker, about a thousand times the cost of a unit case), at least 200.
    public var endToEndCases: Int { max(200, cases / 10) }

    /// The generator of case `number` of the test `stream` (streams keep tests apart, so
    /// adding cases to one does not change another's inputs).
    public func generator(stream: UInt64, case number: Int) -> SeededGenerator {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0xD6E8_FEB8_6659_FD93) ^ UInt64(truncatingIfNeeded: number))
        return SeededGenerator(seed: mixer.next())
    }

    /// "seed 123 case 45": enough to rerun exactly this input (`CATALOG_FUZZ_SEED=123`).
    public func caseLabel(_ number: Int) -> String { "seed \(seed) case \(number)" }
}

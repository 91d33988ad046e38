/// The pool's crash counter, as `/metrics` shows it (the scoreboard's `workersCrashed`):
/// the one number that says whether some input killed a worker.
enum PoolHealth {
    static let crashedSeries = #"catalog_worker_exits_total{reason="crashed"}"#

    static func crashedWorkers() throws -> Int {
        let metrics = try HTTP.get("/metrics")
        guard metrics.status == 200, let value = ProcessManagerTests.sample(metrics.text, crashedSeries) else {
            throw HTTP.Failure(description: "no \(crashedSeries) in /metrics: \(metrics.status)")
        }
        return Int(value)
    }
}

/// Each database endpoint as this worker sees it right now: the primary and every read
/// replica, for `/readyz` and `/metrics`.
struct DatabaseEndpoints {
    struct Endpoint {
        let name: String
        let role: String
        /// `up`, `down`, or for a replica `lagging` / `not_a_standby`.
        let state: String
        let lagBytes: Int64?
    }

    let endpoints: [Endpoint]

    var primaryUp: Bool { endpoints.first?.state == "up" }
    var anyReplicaUp: Bool { endpoints.dropFirst().contains { $0.state == "up" } }

    /// Asks the primary (`SELECT 1`) and reads every replica's WAL positions.
    static func check(_ database: Database) -> DatabaseEndpoints {
        let primaryUp = (try? database.routingReads(toReplicas: false) {
            try database.read { db in try db.query("SELECT 1") }
        }) != nil
        database.lookAtReplicas()
        return DatabaseEndpoints(endpoints: [Endpoint(name: "primary", role: "primary", state: primaryUp ? "up" : "down", lagBytes: nil)]
            + database.replicas.map { Endpoint(name: $0.name, role: "replica", state: $0.state.rawValue,
                                               lagBytes: $0.state == .down ? nil : $0.lagBytes) })
    }

    var json: JSONValue {
        .array(endpoints.map { endpoint in
            var members: [(String, JSONValue)] = [("name", .string(endpoint.name)), ("role", .string(endpoint.role)), ("state", .string(endpoint.state))]
            if let lag = endpoint.lagBytes { members.append(("lag_bytes", .number(String(lag)))) }
            return .object(JSONObject(members))
        })
    }

    var exposition: String {
        var out = "# HELP catalog_database_endpoint_up Whether a database endpoint answers and, for a replica, is fresh enough to serve reads (this worker's view at the scrape).\n"
        out += "# TYPE catalog_database_endpoint_up gauge\n"
        for endpoint in endpoints {
            out += "catalog_database_endpoint_up{endpoint=\"\(endpoint.name)\",role=\"\(endpoint.role)\",state=\"\(endpoint.state)\"} \(endpoint.state == "up" ? 1 : 0)\n"
        }
        let replicas = endpoints.filter { $0.lagBytes != nil }
        if !replicas.isEmpty {
            out += "# HELP catalog_database_replica_lag_bytes WAL a replica has received but not yet replayed.\n"
            out += "# TYPE catalog_database_replica_lag_bytes gauge\n"
            for endpoint in replicas { out += "catalog_database_replica_lag_bytes{endpoint=\"\(endpoint.name)\"} \(endpoint.lagBytes!)\n" }
        }
        return out
    }
}

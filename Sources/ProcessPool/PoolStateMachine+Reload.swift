import Glibc

/// HUP: a zero-downtime reload. A new generation starts with the re-read configuration;
/// the old one is retired only once all of the new one is ready, and comes back if the
/// new one cannot start.
extension PoolStateMachine {
    mutating func reloadRequested() -> [Action] {
        guard stop == nil else { return [] }
        if reload != nil {
            reloadPending = true
            return [.log(.info, "HUP during a reload: another reload will follow this one", [:])]
        }
        return [.notify(.reloading), .loadConfiguration]
    }

    /// The re-read configuration could not be used: the running workers keep serving.
    mutating func reloadRefused(problems: [String]) -> [Action] {
        problems.map { .log(.error, "reload: configuration problem", ["problem": "\($0)"]) } + [
            .log(.error, "reload aborted: the configuration is invalid; the running workers keep serving", [:]),
            .count(.reloadsFailed),
            .notify(.ready(status: "reload failed (invalid configuration); serving with generation \(generation)")),
        ]
    }

    mutating func beginReload(settings newSettings: PoolSettings, configuration newConfiguration: Configuration, now: Double) -> [Action] {
        guard stop == nil, reload == nil else { return [] }
        reload = Reload(previousGeneration: generation, previousSettings: settings, previousConfiguration: configuration,
                        deadline: now + readyTimeout)
        settings = newSettings
        configuration = newConfiguration
        generation = nextGeneration
        nextGeneration += 1
        startFailures = 0
        nextSpawnAt = 0
        return [
            .adoptConfiguration(newConfiguration),
            .publishGauges,
            .log(.info, "reload: starting a new generation", ["generation": "\(generation)", "workers": "\(settings.workers)"]),
        ]
    }

    mutating func advanceReload(now: Double) -> [Action] {
        guard var current = reload else { return [] }
        var actions: [Action] = []
        if !current.draining {
            let fresh = currentWorkers
            if fresh.count >= settings.workers, fresh.allSatisfy(\.ready) {
                let old = workers.values.filter { $0.generation != generation && !$0.retiring }.map(\.pid).sorted()
                for pid in old { actions += retire(pid, reason: "reload: generation \(generation) is ready", now: now) }
                current.draining = true
                reload = current
                actions.append(.log(.info, "reload: new generation ready; old workers finish their requests and exit", [
                    "generation": "\(generation)", "retiring": "\(old.count)",
                ]))
            } else if now > current.deadline {
                return abortReload("the new workers were not ready within \(readyTimeout)s", now: now)
            }
        }
        if current.draining, !workers.values.contains(where: { $0.generation != generation }) {
            reload = nil
            actions += [
                .count(.reloads),
                .refreshStatus,
                .log(.info, "reload complete", ["generation": "\(generation)", "workers": "\(currentWorkers.count)"]),
                .notify(.ready(status: "serving with \(settings.workers) workers, generation \(generation)")),
            ]
            if reloadPending {
                reloadPending = false
                actions += reloadRequested()
            }
        }
        return actions
    }

    /// Back to the previous generation: the new workers that are ready retire, the ones
    /// still starting are killed.
    mutating func abortReload(_ reason: String, now: Double) -> [Action] {
        guard let current = reload else { return [] }
        var actions: [Action] = [
            .log(.error, "reload aborted; the previous generation keeps serving", [
                "reason": "\(reason)", "generation": "\(current.previousGeneration)",
            ]),
        ]
        for pid in workers.keys.sorted() where workers[pid]!.generation == generation {
            if workers[pid]!.ready { actions += retire(pid, reason: "reload aborted", now: now) } else {
                actions.append(.signal(pid: pid, signal: SIGKILL))
                workers[pid]!.retiring = true
            }
        }
        generation = current.previousGeneration
        settings = current.previousSettings
        configuration = current.previousConfiguration
        reload = nil
        reloadPending = false
        startFailures = 0
        nextSpawnAt = 0
        return actions + [
            .restoreConfiguration(configuration),
            .count(.reloadsFailed),
            .publishGauges,
            .notify(.ready(status: "reload failed; serving with generation \(generation)")),
        ]
    }
}

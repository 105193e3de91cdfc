import KnooppuntDomain

/// What chaos does to a process.
public enum FaultKind: String, Sendable, CaseIterable {
    /// SIGKILL, then start it again after a pause.
    case kill
    /// SIGSTOP, then SIGCONT after a pause (a hung process, a long GC, a frozen VM).
    case pause
    /// SIGTERM (a clean stop), then start it again.
    case restart
    /// Cut the process's host off the network, then heal (with `--partitions`).
    case partition
}

/// One planned fault.
public struct Fault: Sendable, Equatable, CustomStringConvertible {
    public let kind: FaultKind
    public let target: String
    /// How long the process stays down, paused or cut off.
    public let duration: Duration

    public var description: String { "\(kind.rawValue) \(target) for \(duration)" }
}

/// The seeded, weighted fault plan of a chaos run. No I/O: the run asks it what to do next
/// and tells it which processes may be attacked now.
public struct FaultSchedule: Sendable {
    public struct Weights: Sendable {
        public var kill = 4
        public var pause = 2
        public var restart = 1
        public var partition = 0
        public init() {}

        /// These weights with every kind outside `kinds` set to 0: a run that only kills, or
        /// only cuts links, to measure one kind of failover at a time.
        public func keeping(_ kinds: Set<FaultKind>) -> Weights {
            var kept = self
            if !kinds.contains(.kill) { kept.kill = 0 }
            if !kinds.contains(.pause) { kept.pause = 0 }
            if !kinds.contains(.restart) { kept.restart = 0 }
            if !kinds.contains(.partition) { kept.partition = 0 }
            return kept
        }
    }

    var random: SeededRandom
    public let weights: Weights
    /// Time between faults.
    public let interval: ClosedRange<Double>
    /// How long a process stays down or paused.
    public let downtime: ClosedRange<Double>

    public init(
        seed: UInt64, weights: Weights = Weights(), interval: ClosedRange<Double> = 1.0...3.0,
        downtime: ClosedRange<Double> = 0.3...2.5
    ) {
        random = SeededRandom(seed: seed)
        self.weights = weights
        self.interval = interval
        self.downtime = downtime
    }

    /// Seconds until the next fault.
    public mutating func nextInterval() -> Double { Double.random(in: interval, using: &random) }

    /// The next fault among `targets` (with their weights); nil when nothing may be attacked.
    public mutating func next(targets: [(name: String, weight: Int)]) -> Fault? {
        let candidates = targets.filter { $0.weight > 0 }
        let kinds: [(FaultKind, Int)] = [
            (.kill, weights.kill), (.pause, weights.pause), (.restart, weights.restart),
            (.partition, weights.partition),
        ].filter { $0.1 > 0 }
        guard !candidates.isEmpty, !kinds.isEmpty else { return nil }
        let kind = pick(kinds)
        let target = pick(candidates.map { ($0.name, $0.weight) })
        let seconds = Double.random(in: downtime, using: &random)
        return Fault(kind: kind, target: target, duration: .milliseconds(Int64(seconds * 1000)))
    }

    private mutating func pick<T>(_ choices: [(T, Int)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var roll = Int.random(in: 0..<total, using: &random)
        for (value, weight) in choices {
            if roll < weight { return value }
            roll -= weight
        }
        return choices[choices.count - 1].0
    }
}

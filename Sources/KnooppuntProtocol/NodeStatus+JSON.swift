import KnooppuntDomain
import StrictJSON

// NodeStatus on the wire: the JSON the node's control socket has always answered STATUS with.
// Reading is lenient (a missing number reads as 0, a missing text as ""), as the readers of
// this JSON always were; a value that is not an object at all is not a status.

extension NodeStatus {
    /// The request on the control socket: [KNP1, STATUS]; the answer is [KNP1, STATUS, json].
    public static let request: [[UInt8]] = [protocolSignature, Array("STATUS".utf8)]

    /// Reads the control socket's answer ([KNP1, STATUS, json]); nil for anything else.
    public init?(answer parts: [[UInt8]]) {
        guard parts.count == 3, parts[0] == protocolSignature, let json = try? JSONParser.parse(parts[2])
        else {
            return nil
        }
        self.init(json: json)
    }

    public var json: JSONValue {
        var partiesJSON: [String: JSONValue] = [:]
        for (code, party) in parties { partiesJSON[code] = party.json }
        var object: [String: JSONValue] = [
            "role": .string(role), "epoch": .integer(Int64(clamping: epoch)), "degraded": .bool(degraded),
            "lastSequence": .integer(Int64(clamping: lastSequence)),
            "pid": .integer(pid), "entries": .integer(entries),
            "publicViewHash": .string(publicViewHash), "parties": .object(partiesJSON),
            "refusals": .object(refusals.mapValues { .integer($0) }), "time": .integer(time),
            "security": security,
            "audit": [
                "head": .integer(audit.head), "headHash": .string(audit.headHash),
                "checkpointed": .integer(audit.checkpointed), "waiting": .integer(audit.waiting),
            ],
            "policy": .string(policy),
            "synchronous": .integer(synchronous),
            "commits": [
                "batches": .integer(commits.batches), "reports": .integer(commits.reports),
                "milliseconds": .integer(commits.milliseconds),
            ],
        ]
        // Only a replica on etcd has the key: absent, not zero, without etcd.
        if let quorum { object["quorum"] = quorum.json }
        if let stream {
            object["stream"] = [
                "subscribed": .integer(stream.subscribed), "catchingUp": .integer(stream.catchingUp),
                "mostBehind": .integer(stream.mostBehind), "queueFull": .integer(stream.queueFull),
            ]
        }
        return .object(object)
    }

    /// Reads a STATUS answer; nil when it is not a node's status (no object, no liveness board).
    public init?(json: JSONValue) {
        guard json.objectValue != nil, let partiesJSON = json["parties"]?.objectValue else { return nil }
        role = json["role"]?.stringValue ?? ""
        epoch = Epoch(clamping: json["epoch"]?.integerValue ?? 0)
        degraded = json["degraded"]?.boolValue ?? false
        lastSequence = SequenceNumber(clamping: json["lastSequence"]?.integerValue ?? 0)
        pid = json["pid"]?.integerValue ?? 0
        entries = json["entries"]?.integerValue ?? 0
        publicViewHash = json["publicViewHash"]?.stringValue ?? ""
        parties = partiesJSON.compactMapValues(Party.init(json:))
        refusals = (json["refusals"]?.objectValue ?? [:]).compactMapValues(\.integerValue)
        time = json["time"]?.integerValue ?? 0
        security = json["security"] ?? .null
        let audit = json["audit"]
        self.audit = Audit(
            head: audit?["head"]?.integerValue ?? 0, headHash: audit?["headHash"]?.stringValue ?? "",
            checkpointed: audit?["checkpointed"]?.integerValue ?? 0,
            waiting: audit?["waiting"]?.integerValue ?? 0)
        policy = json["policy"]?.stringValue ?? ""
        synchronous = json["synchronous"]?.integerValue ?? -1
        let commits = json["commits"]
        self.commits = Commits(
            batches: commits?["batches"]?.integerValue ?? 0, reports: commits?["reports"]?.integerValue ?? 0,
            milliseconds: commits?["milliseconds"]?.integerValue ?? 0)
        quorum = json["quorum"].flatMap(Quorum.init(json:))
        if let stream = json["stream"], stream.objectValue != nil {
            self.stream = Stream(
                subscribed: stream["subscribed"]?.integerValue ?? 0,
                catchingUp: stream["catchingUp"]?.integerValue ?? 0,
                mostBehind: stream["mostBehind"]?.integerValue ?? 0,
                queueFull: stream["queueFull"]?.integerValue ?? 0)
        }
    }
}

extension NodeStatus.Quorum {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "role": .string(role), "epoch": .integer(epoch), "logIndex": .integer(Int64(clamping: logIndex)),
            "trimmedThrough": .integer(Int64(clamping: trimmedThrough)),
            "applied": ["entries": .integer(appliedEntries), "transactions": .integer(applyTransactions)],
            "etcd": [
                "membersReachable": .integer(membersReachable), "members": .integer(members),
                "dbSize": .integer(dbSize), "alarms": .array(alarms.map(JSONValue.string)),
                "spaceFull": .bool(spaceFull),
            ],
        ]
        // Only a replica that was active has commit figures.
        if commitTransactions > 0 || releasedBatches > 0 {
            object["commits"] = [
                "transactions": .integer(commitTransactions), "entries": .integer(committedEntries),
                "reports": .integer(committedReports), "bytes": .integer(committedBytes),
                "microseconds": .integer(commitMicroseconds),
                "batches": .integer(releasedBatches), "waitMicroseconds": .integer(releaseWaitMicroseconds),
                "mostInFlight": .integer(mostInFlight),
            ]
        }
        return .object(object)
    }

    init?(json: JSONValue) {
        guard json.objectValue != nil else { return nil }
        let etcd = json["etcd"]
        self.init(
            role: json["role"]?.stringValue ?? "", epoch: json["epoch"]?.integerValue ?? 0,
            logIndex: UInt64(clamping: json["logIndex"]?.integerValue ?? 0),
            trimmedThrough: UInt64(clamping: json["trimmedThrough"]?.integerValue ?? 0),
            membersReachable: etcd?["membersReachable"]?.integerValue ?? 0,
            members: etcd?["members"]?.integerValue ?? 0, dbSize: etcd?["dbSize"]?.integerValue ?? 0,
            alarms: (etcd?["alarms"]?.arrayValue ?? []).compactMap(\.stringValue),
            spaceFull: etcd?["spaceFull"]?.boolValue ?? false)
        appliedEntries = json["applied"]?["entries"]?.integerValue ?? 0
        applyTransactions = json["applied"]?["transactions"]?.integerValue ?? 0
        let commits = json["commits"]
        commitTransactions = commits?["transactions"]?.integerValue ?? 0
        committedEntries = commits?["entries"]?.integerValue ?? 0
        committedReports = commits?["reports"]?.integerValue ?? 0
        committedBytes = commits?["bytes"]?.integerValue ?? 0
        commitMicroseconds = commits?["microseconds"]?.integerValue ?? 0
        releasedBatches = commits?["batches"]?.integerValue ?? 0
        releaseWaitMicroseconds = commits?["waitMicroseconds"]?.integerValue ?? 0
        mostInFlight = commits?["mostInFlight"]?.integerValue ?? 0
    }
}

extension NodeStatus.Party {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "connected": .bool(connected), "nodeViewHash": .string(nodeViewHash),
        ]
        object["lastHeardMsAgo"] = lastHeardMsAgo.map(JSONValue.integer)
        object["lastHeardAt"] = lastHeardAt.map(JSONValue.integer)
        object["applied"] = applied.map { .integer(Int64(clamping: $0)) }
        object["viewHash"] = viewHash.map(JSONValue.string)
        object["outboxBacklog"] = outboxBacklog.map(JSONValue.integer)
        object["oldestQueuedMs"] = oldestQueuedMs.map(JSONValue.integer)
        object["pid"] = pid.map(JSONValue.integer)
        object["clockSkewMs"] = clockSkewMs.map(JSONValue.integer)
        object["lag"] = lag.map(JSONValue.integer)
        object["converged"] = converged.map(JSONValue.bool)
        object["role"] = role.map(JSONValue.string)
        return .object(object)
    }

    init?(json: JSONValue) {
        guard json.objectValue != nil else { return nil }
        connected = json["connected"]?.boolValue ?? false
        nodeViewHash = json["nodeViewHash"]?.stringValue ?? ""
        lastHeardMsAgo = json["lastHeardMsAgo"]?.integerValue
        lastHeardAt = json["lastHeardAt"]?.integerValue
        applied = json["applied"]?.integerValue.map { SequenceNumber(clamping: $0) }
        viewHash = json["viewHash"]?.stringValue
        outboxBacklog = json["outboxBacklog"]?.integerValue
        oldestQueuedMs = json["oldestQueuedMs"]?.integerValue
        pid = json["pid"]?.integerValue
        clockSkewMs = json["clockSkewMs"]?.integerValue
        lag = json["lag"]?.integerValue
        converged = json["converged"]?.boolValue
        role = json["role"]?.stringValue
    }
}

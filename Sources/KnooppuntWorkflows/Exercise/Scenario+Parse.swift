import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

extension Scenario {
    /// Reads a scenario file (YAML or JSON) and checks it completely: every step's document
    /// is resolved with placeholder values and decoded strictly, and the write policy is
    /// played through, so a run never stops half-way on a typo. All problems are reported.
    public static func parse(_ bytes: [UInt8], reference: ReferenceData = .builtIn) throws -> Scenario {
        let value: JSONValue
        do {
            value = try DocumentReader.read(bytes)
        } catch {
            throw ScenarioError(
                error.problems.map { ScenarioProblem(step: nil, field: $0.field, $0.message) })
        }
        var problems: [ScenarioProblem] = []
        let scenario = read(value, problems: &problems)
        if let scenario, problems.isEmpty {
            problems += ExercisePlan.check(scenario, reference: reference)
        }
        guard let scenario, problems.isEmpty else {
            throw ScenarioError(
                problems.isEmpty
                    ? [ScenarioProblem(step: nil, field: "$", "the scenario is empty")] : problems)
        }
        return scenario
    }

    private static let topKeys: Set<String> = ["name", "description", "start", "speed", "steps"]
    private static let stepKeys: Set<String> = ["offset", "as", "name", "document"]

    private static func read(_ value: JSONValue, problems: inout [ScenarioProblem]) -> Scenario? {
        func fail(_ step: Int?, _ field: String, _ message: String) {
            problems.append(ScenarioProblem(step: step, field: field, message))
        }
        guard let top = value.objectValue else {
            fail(nil, "$", "a scenario is a map with name, start, speed and steps")
            return nil
        }
        for key in top.keys.sorted() where !topKeys.contains(key) {
            fail(nil, key, "unknown field (known: \(topKeys.sorted().joined(separator: ", ")))")
        }
        let name = top["name"]?.stringValue
        if name?.isEmpty ?? true { fail(nil, "name", "give the scenario a name") }
        let start = top["start"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
        if start == nil { fail(nil, "start", "give the scripted start as RFC 3339 with an offset") }
        let speed = top["speed"].map { $0.doubleValue } ?? 1
        if !(speed.map { $0 > 0 && $0.isFinite } ?? false) {
            fail(nil, "speed", "the demo speed is a positive number (scenario seconds per second)")
        }
        let description = top["description"]?.stringValue
        if top["description"] != nil && description == nil { fail(nil, "description", "expected text") }
        guard let list = top["steps"]?.arrayValue, !list.isEmpty, list.count <= maxSteps else {
            fail(nil, "steps", "give between 1 and \(maxSteps) steps")
            return nil
        }
        var steps: [ScenarioStep] = []
        var names: Set<String> = []
        var previousOffset: Int64?
        for (index, item) in list.enumerated() {
            let number = index + 1
            guard let step = item.objectValue else {
                fail(number, "$", "a step is a map with offset, as and document")
                continue
            }
            for key in step.keys.sorted() where !stepKeys.contains(key) {
                fail(number, key, "unknown field (known: \(stepKeys.sorted().joined(separator: ", ")))")
            }
            let offset = step["offset"].flatMap { ScenarioDuration.seconds($0) }
            if offset == nil || offset! < 0 || offset! > maxOffsetSeconds {
                fail(
                    number, "offset",
                    "seconds after the start (0…\(maxOffsetSeconds)) or a duration like 1h25m")
            }
            if let offset, let previous = previousOffset, offset < previous {
                fail(number, "offset", "steps are in time order; this one is earlier than the step before")
            }
            previousOffset = offset ?? previousOffset
            let organisation = step["as"]?.stringValue.flatMap(OrganisationCode.inNetwork)
            if organisation == nil || organisation == .national {
                fail(number, "as", "the organisation whose daemon sends it: VR01…VR25, NCTV or POLICE")
            }
            let stepName = step["name"]?.stringValue
            if let stepName {
                if !ScenarioTemplate.isName(stepName) {
                    fail(number, "name", "use lowercase letters, digits and '-'")
                } else if !names.insert(stepName).inserted {
                    fail(number, "name", "\"\(stepName)\" names an earlier step already")
                }
            } else if step["name"] != nil {
                fail(number, "name", "expected text")
            }
            guard let document = step["document"], document.objectValue != nil else {
                fail(number, "document", "give the report document (a map, as for knooppunt publish)")
                continue
            }
            if document["id"] != nil {
                fail(
                    number, "document.id",
                    "leave the id out: every run gives fresh ids; name the step to refer to it")
            }
            if let flag = document["exercise"], flag != .bool(true) {
                fail(number, "document.exercise", "every report of an exercise is an exercise report")
            }
            guard let offset, let organisation else { continue }
            steps.append(
                ScenarioStep(
                    number: number, name: stepName, offsetSeconds: offset, organisation: organisation,
                    document: document))
        }
        guard let name, let start, let speed, !name.isEmpty else { return nil }
        return Scenario(name: name, description: description, start: start, speed: speed, steps: steps)
    }
}

/// Offsets and placeholder durations: whole seconds, or text like `45s`, `20m`, `1h25m`.
public enum ScenarioDuration {
    public static func seconds(_ value: JSONValue) -> Int64? {
        if let integer = value.integerValue { return integer }
        return value.stringValue.flatMap(seconds(text:))
    }

    public static func seconds(text: String) -> Int64? {
        guard !text.isEmpty else { return nil }
        if let plain = Int64(text) { return plain }
        var total: Int64 = 0
        var number: Int64?
        var lastUnit = Int64.max
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (scaled, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow, scaled <= Int64(Int32.max) else { return nil }
                number = scaled + Int64(digit)
                continue
            }
            let unit: Int64
            switch character {
            case "h": unit = 3600
            case "m": unit = 60
            case "s": unit = 1
            default: return nil
            }
            // Units once each, largest first: "1h25m", not "25m1h".
            guard let value = number, unit < lastUnit else { return nil }
            total += value * unit
            lastUnit = unit
            number = nil
        }
        return number == nil ? total : nil
    }
}

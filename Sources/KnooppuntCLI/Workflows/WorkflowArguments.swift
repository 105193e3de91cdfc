import ArgumentParser
import Foundation
import KnooppuntDomain
import KnooppuntWorkflows

/// `30m`, `1h30m`, `90` (seconds): durations on the command line.
struct DurationArgument: ExpressibleByArgument, CustomStringConvertible {
    let seconds: Int64

    init?(argument: String) {
        guard let seconds = ScenarioDuration.seconds(text: argument), seconds > 0 else { return nil }
        self.seconds = seconds
    }

    init(seconds: Int64) { self.seconds = seconds }

    var milliseconds: Int64 { seconds * 1000 }
    var description: String { durationText(milliseconds: milliseconds) }

    /// `now` plus this duration, whole seconds, Europe/Amsterdam.
    func after(_ now: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: (now + milliseconds) / 1000 * 1000).inAmsterdam
    }
}

/// A list of organisation codes: `VR09,VR14,POLICE`.
struct OrganisationList: ExpressibleByArgument {
    let codes: [OrganisationCode]

    init?(argument: String) {
        let parts = argument.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).uppercased()
        }
        let codes = parts.compactMap { OrganisationCode.inNetwork($0) }
        guard !codes.isEmpty, codes.count == parts.count else { return nil }
        self.codes = Array(Set(codes)).sorted()
    }
}

import Foundation
import X509

/// Whether a certificate of the deployment's etcd material is valid now, read from its PEM
/// file. A replica checks its CA and client certificates when it starts: an ended one (or one
/// not valid yet, on a host whose clock is behind) is a clear refusal instead of handshakes
/// that fail with etcd's words, and one that ends within ``warningPeriod`` is a warning while
/// there is time for `knooppunt keys rotate --etcd`.
public enum EtcdCertificateValidity {
    /// How long before its end a certificate is reported as ending soon.
    public static let warningPeriod: TimeInterval = 30 * 24 * 3_600

    public enum Finding: Sendable, Equatable {
        case valid(until: Date)
        case endsSoon(Date)
        case ended(Date)
        case notYetValid(from: Date)
    }

    /// A certificate's date as the commands print it: the UTC day, 2028-12-05.
    public static func day(_ date: Date) -> String {
        ISO8601DateFormatter.string(
            from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
    }

    public static func check(_ file: URL, now: Date = Date()) throws -> Finding {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw EtcdCertificateError(.io, "cannot read \(file.path): \(error)")
        }
        let certificate: Certificate
        do { certificate = try Certificate(pemEncoded: text) } catch {
            throw EtcdCertificateError(.malformed, "\(file.path) is not a PEM certificate: \(error)")
        }
        if now < certificate.notValidBefore { return .notYetValid(from: certificate.notValidBefore) }
        if now >= certificate.notValidAfter { return .ended(certificate.notValidAfter) }
        if certificate.notValidAfter.timeIntervalSince(now) <= warningPeriod {
            return .endsSoon(certificate.notValidAfter)
        }
        return .valid(until: certificate.notValidAfter)
    }
}

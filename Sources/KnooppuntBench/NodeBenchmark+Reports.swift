import Foundation
import KnooppuntClient
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

extension NodeBenchmark {
    func incidentDocument(_ region: OrganisationCode, _ id: IncidentID) -> ReportDocument {
        let municipality = ReferenceData.builtIn.municipalities.values.first { $0.region == region }!.code
        return ReportDocument(
            body: .incident(
                Incident(
                    id: id, title: "Benchmark incident \(id)", kind: .other,
                    location: IncidentLocation(municipality: municipality),
                    startedAt: Timestamp(millisecondsSinceEpoch: 1_764_490_000_000),
                    lead: LeadAuthority(organisation: region, function: "Operationeel leider"),
                    classification: .partners)))
    }

    func sitrepDocument(_ region: OrganisationCode, _ number: Int) -> ReportDocument {
        // About reportBytes of text across two sections with different classifications, in
        // words drawn at random: an operator's text repeats far less than one phrase over and
        // over, and the log in etcd is compressed (a repeated phrase would flatter it).
        let text = Self.operationalText(bytes: configuration.reportBytes, using: &random)
        let half = text.utf8.count / 2
        let cut = text.utf8.index(text.utf8.startIndex, offsetBy: half)
        return ReportDocument(
            body: .sitrep(
                Sitrep(
                    incident: IncidentID("\(region)-BENCH")!,
                    beeld: [
                        .multi: DisciplinePicture(
                            text: "\(number): " + String(text[..<cut]), classification: .partners),
                        .pol: DisciplinePicture(
                            text: String(text[cut...]), classification: .policeOnly),
                    ], confidence: .medium, verification: .unconfirmed)))
    }

    /// Words of situation reports, and numbers between them (times, counts, road numbers).
    static let vocabulary = """
        situatie onder controle afzetting blijft staan brandweer politie ambulance meldkamer \
        slachtoffers gewonden evacuatie opvang locatie gemeente burgemeester veiligheidsregio \
        perimeter verkeer omleiding kruispunt spoor tram station winkelcentrum school \
        ziekenhuis traumaheli hulpverleners zorg verwanten informatie communicatie pers \
        woordvoerder beeldvorming oordeelsvorming besluitvorming GRIP coordinatie sectie \
        ondersteuning logistiek materieel voertuigen eenheden aanrijdend ter plaatse \
        verwacht gemeld bevestigd onbevestigd mogelijk geen wel nog niet inmiddels later \
        noord oost zuid west centrum wijk straat plein brug tunnel snelweg afrit \
        getuigen verdachte vluchtrichting signalement onderzoek forensisch sporen \
        gevaarlijke stoffen rook wind meting advies ramen deuren sluiten ventilatie \
        uitzetten NL-Alert bericht verstuurd bewoners bezoekers reizigers opgevangen \
        schouw nazorg herstel inzet afgeschaald opgeschaald overleg volgende om uur
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    static func operationalText(bytes: Int, using random: inout some RandomNumberGenerator) -> String {
        var text = ""
        text.reserveCapacity(bytes + 16)
        while text.utf8.count < max(1, bytes) {
            if !text.isEmpty { text += Int.random(in: 0..<9, using: &random) == 0 ? ". " : " " }
            if Int.random(in: 0..<7, using: &random) == 0 {
                text += String(Int.random(in: 1...2359, using: &random))
            } else {
                text += vocabulary.randomElement(using: &random)!
            }
        }
        return text
    }

    func enqueue(_ client: Client, _ document: ReportDocument) {
        let id = ReportID.timeOrdered(at: Timestamp.nowMilliseconds(), using: &random)
        if configuration.throughDaemons {
            // The document names its id, so answers and deliveries can be matched to it.
            var json = codec.encode(document).objectValue ?? [:]
            json["id"] = .string(id.rawValue)
            let request = OperatorRequest.publish(
                document: JSONWriter.canonical(.object(json)), options: client.publishOptions)
            client.queue.append((id, request.encode()))
            return
        }
        // Signed by ``sealQueued(batch:)`` just before the phase sends it, with the rest of
        // its window.
        client.originSeq += 1
        let report = SealedReport.unsigned(
            document, id: id, origin: client.organisation, originSeq: client.originSeq,
            created: Timestamp.now(),
            codec: codec, random: &random)
        client.unsealed.append((client.queue.count, report))
        client.queue.append((id, []))
    }

    /// Signs every client's queued reports, `batch` at a time with one signature
    /// (``BatchSeal``): as a publisher that seals each window it sends. A batch of 1 is a
    /// signature per report, as a publisher sending one report at a time makes them.
    func sealQueued(batch: Int) {
        for client in clients where !client.unsealed.isEmpty {
            var start = 0
            while start < client.unsealed.count {
                let chunk = client.unsealed[start..<min(client.unsealed.count, start + max(1, batch))]
                start += chunk.count
                let sealed = BatchSeal.seal(chunk.map(\.report), with: client.secrets.signing)
                for ((index, _), report) in zip(chunk, sealed) {
                    client.queue[index].message = MessageCodec.encode(.submit(report))
                }
            }
            client.unsealed.removeAll()
        }
    }

    /// A SUBMIT of `document`, sealed by the client's organisation with its next origin sequence.
    func submit(_ document: ReportDocument, id: ReportID, from client: Client) -> [[UInt8]] {
        client.originSeq += 1
        let report = SealedReport.seal(
            document, id: id, origin: client.organisation, originSeq: client.originSeq,
            created: Timestamp.now(),
            signingKey: client.secrets.signing, codec: codec, random: &random)
        return MessageCodec.encode(.submit(report))
    }
}

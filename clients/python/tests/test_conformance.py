"""KNP/1 conformance: the Python reference client against a real node (docs/PROTOCOL.md)."""

from __future__ import annotations

from conftest import deadline
from documents import incident, sitrep
from knooppunt_client import Ack, Error, SealedReport

WAIT = deadline(10)


def welcomed(client):
    client.run_until(lambda: client.welcomed and client.next_origin_seq is not None, WAIT)


def test_incident_then_sitrep_are_acknowledged_in_order(node):
    client = node.client("VR01")
    first = client.submit(incident("VR01"))
    second = client.submit(sitrep("VR01"))
    client.run_until(lambda: client.outcome(first) and client.outcome(second), WAIT)
    a, b = client.outcome(first), client.outcome(second)
    assert isinstance(a, Ack) and isinstance(b, Ack), (a, b)
    assert b.sequence > a.sequence >= 1
    assert b.origin_seq == a.origin_seq + 1
    assert not a.duplicate and not b.duplicate
    # Our own reports come back on the picture stream, in our view, and verify.
    client.run_until(lambda: client.mirror.applied >= b.sequence, WAIT)
    assert client.mirror.entries["incident/VR01-20250611-01"].sequence == a.sequence
    assert client.mirror.entries["incident/VR01-20250611-01/sitrep/VR01"].sequence == b.sequence
    assert client.mirror.refused == []


def test_a_resent_report_gets_its_original_answer(node):
    client = node.client("VR02")
    report_id = client.submit(incident("VR02"))
    first = client.run_until(lambda: client.outcome(report_id), WAIT)
    client.resend(report_id)
    client.run_until(lambda: len(client.answers(report_id)) >= 2, WAIT)
    again = client.answers(report_id)[1]
    assert isinstance(again, Ack) and again.duplicate
    assert (again.epoch, again.sequence, again.origin_seq) == (first.epoch, first.sequence, first.origin_seq)
    # Never applied twice: the node's log did not grow for it.
    client.run_until(lambda: client.mirror.applied >= first.sequence, WAIT)
    assert client.mirror.entries["incident/VR02-20250611-01"].sequence == first.sequence


def test_an_origin_sequence_ahead_is_refused_and_the_client_recovers(node):
    client = node.client("VR03")
    welcomed(client)
    expected = client.next_origin_seq
    report_id = client.submit(incident("VR03"), origin_seq=expected + 3)
    ack = client.run_until(lambda: client.outcome(report_id), WAIT)
    refusal = client.answers(report_id)[0]
    assert isinstance(refusal, Error) and refusal.code == 400
    assert refusal.detail["expected"] == expected
    assert isinstance(ack, Ack) and ack.origin_seq == expected
    # The next report follows on without another refusal.
    after = client.submit(sitrep("VR03"))
    ack2 = client.run_until(lambda: client.outcome(after), WAIT)
    assert isinstance(ack2, Ack) and ack2.origin_seq == expected + 1
    assert len(client.answers(after)) == 1


def test_a_window_behind_a_gap_is_resealed_and_acknowledged_in_order(node):
    client = node.client("VR12")
    welcomed(client)
    expected = client.next_origin_seq
    # The first skips a sequence; the two after it are sealed behind it and sent at once.
    ids = [client.submit(incident("VR12"), origin_seq=expected + 1),
           client.submit(sitrep("VR12")), client.submit(sitrep("VR12", text="Tweede stand."))]
    acks = client.run_until(lambda: all(client.outcome(i) for i in ids) and [client.outcome(i) for i in ids], WAIT)
    assert all(isinstance(a, Ack) for a in acks), acks
    assert [a.origin_seq for a in acks] == [expected, expected + 1, expected + 2]
    assert acks[0].sequence < acks[1].sequence < acks[2].sequence
    assert any(isinstance(a, Error) and a.code == 400 for a in client.answers(ids[0]))


def test_a_tampered_section_is_refused(node):
    client = node.client("VR04")
    welcomed(client)
    report = client.seal(incident("VR04"))
    tampered = SealedReport(report.envelope_bytes, report.signature,
                            [report.sections[0].replace(b"Explosie", b"Brandjes!")], report.envelope)
    client.submit_sealed(tampered)
    refusal = client.run_until(lambda: client.outcome(tampered.id), WAIT)
    assert isinstance(refusal, Error) and refusal.code == 217, refusal
    # A refusal of what could not be decoded names no report and uses up no origin
    # sequence; a forged signature is refused with the report's id (218) and uses it up.
    forged = SealedReport(report.envelope_bytes, bytes(64), report.sections, report.envelope)
    forged.envelope = dict(report.envelope)
    client.outbox.pop(report.id)
    client.submit_sealed(forged)
    refusal = client.run_until(lambda: client.outcome(forged.id), WAIT)
    assert isinstance(refusal, Error) and refusal.code == 218, refusal
    good = client.submit(incident("VR04"))
    ack = client.run_until(lambda: client.outcome(good), WAIT)
    assert isinstance(ack, Ack) and ack.origin_seq == report.origin_seq + 1
    assert len(client.answers(good)) == 1


def test_a_late_joiner_gets_a_snapshot_then_updates_and_the_nodes_view_hash(node):
    writer = node.client("VR05")
    ids = [writer.submit(incident("VR05")), writer.submit(sitrep("VR05"))]
    writer.run_until(lambda: all(isinstance(writer.outcome(i), Ack) for i in ids), WAIT)

    joiner = node.client("VR06")
    # The node's catch-up limit is 1: a party starting from nothing gets a snapshot.
    joiner.run_until(lambda: joiner.mirror.snapshots, WAIT)
    end, equal = joiner.mirror.snapshots[0]
    assert equal, f"our hash {joiner.mirror.view_hash} != the node's {end.view_hash}"
    assert "incident/VR05-20250611-01/sitrep/VR05" in joiner.mirror.entries

    later = writer.submit(sitrep("VR05", text="Brand onder controle."))
    ack = writer.run_until(lambda: writer.outcome(later), WAIT)
    joiner.run_until(lambda: joiner.mirror.applied >= ack.sequence, WAIT)
    entry = joiner.mirror.entries["incident/VR05-20250611-01/sitrep/VR05"]
    assert entry.sequence == ack.sequence
    # VR06 may not read the police picture: withheld, only its digest; the rest is readable.
    assert entry.report.content("beeld.POL") is None
    assert entry.report.content("beeld.BRW") == {"text": "Brand onder controle."}
    # The writer named itself in the POL section's parties: it holds it.
    writer.run_until(lambda: writer.mirror.applied >= ack.sequence, WAIT)
    assert writer.mirror.entries[entry.report.key].report.content("beeld.POL") is not None

    # The node's hash for VR06's view, as of now, equals the mirror's.
    applied, ours = joiner.mirror.applied, joiner.mirror.view_hash
    joiner.request_snapshot()
    joiner.run_until(lambda: len(joiner.mirror.snapshots) >= 2, WAIT)
    end, equal = joiner.mirror.snapshots[-1]
    assert (end.sequence, end.view_hash) == (applied, ours)
    assert equal


def test_every_received_report_verifies(node):
    client = node.client("NCTV", role="nctv")
    writer = node.client("VR07")
    ids = [writer.submit(incident("VR07")), writer.submit(sitrep("VR07"))]
    acks = writer.run_until(lambda: all(isinstance(writer.outcome(i), Ack) for i in ids)
                            and [writer.outcome(i) for i in ids], WAIT)
    client.run_until(lambda: client.mirror.applied >= acks[-1].sequence, WAIT)
    assert client.mirror.received, "nothing received"
    assert client.mirror.refused == []
    for update in client.mirror.received:
        update.report.verify(node.network.signing_keys[update.report.origin])
    # Tampering with what arrived is noticed by the client itself.
    report = client.mirror.entries["incident/VR07-20250611-01/sitrep/VR07"].report
    altered = SealedReport(report.envelope_bytes, report.signature,
                           [s and s.replace(b"Brand", b"Rook ") for s in report.sections], report.envelope)
    try:
        altered.verify(node.network.signing_keys["VR07"])
        raise AssertionError("a changed section verified")
    except ValueError as error:
        assert getattr(error, "code", None) == 217


def test_the_audit_chain_head_is_signed_by_the_pairs_audit_key(node):
    client = node.client("VR09")
    report_id = client.submit(incident("VR09"))
    client.run_until(lambda: client.outcome(report_id), WAIT)
    # The node signs its grown chain every few seconds and sends it to the daemons.
    head = client.run_until(lambda: client.audit_heads and client.audit_heads[-1], WAIT)
    assert head.row >= 1 and len(head.head_hash) == 32
    assert not [u for u in client.unreadable if "AUDITHEAD" in u]


def test_a_party_behind_catches_up_from_the_log_and_fetch_replays_a_range(fresh_node):
    writer = fresh_node.client("VR10")
    ids = [writer.submit(incident("VR10")), writer.submit(sitrep("VR10"))]
    acks = writer.run_until(lambda: all(isinstance(writer.outcome(i), Ack) for i in ids)
                            and [writer.outcome(i) for i in ids], WAIT)

    joiner = fresh_node.client("VR11")
    # Two behind, with two picture entries: the node replays its log (the shorter way) as
    # UPDATEs in order, no snapshot (GAPS.md: the replay limit).
    joiner.run_until(lambda: joiner.mirror.applied >= acks[-1].sequence, WAIT)
    assert joiner.mirror.snapshots == []
    assert [u.sequence for u in joiner.mirror.received] == [1, 2]

    later = writer.submit(sitrep("VR10", text="Tweede stand."))
    last = writer.run_until(lambda: writer.outcome(later), WAIT).sequence
    joiner.run_until(lambda: joiner.mirror.applied >= last, WAIT)

    # A replayed range arrives again, verifies, and changes nothing (sequence ≤ applied).
    before = (joiner.mirror.applied, joiner.mirror.view_hash, len(joiner.mirror.received))
    joiner.fetch(1, last)
    joiner.run_until(lambda: len(joiner.mirror.received) >= before[2] + last, WAIT)
    assert [u.sequence for u in joiner.mirror.received[before[2]:]] == list(range(1, last + 1))
    assert (joiner.mirror.applied, joiner.mirror.view_hash) == before[:2]
    assert joiner.mirror.refused == []

    # And the node agrees about the hash of VR11's view.
    joiner.request_snapshot()
    joiner.run_until(lambda: joiner.mirror.snapshots, WAIT)
    end, equal = joiner.mirror.snapshots[-1]
    assert equal and (end.sequence, end.view_hash) == before[:2]

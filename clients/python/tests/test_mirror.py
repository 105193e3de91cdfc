"""The mirror without a node: order, gaps, snapshots and the view hash (§5.2, §6)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from documents import incident, sitrep
from knooppunt_client import Mirror, SealedReport
from knooppunt_client.messages import SnapEnd, Snapshot, Update

KEY = Ed25519PrivateKey.generate()


def update(sequence: int, document: dict, entry: bool = False) -> Update:
    report = SealedReport.seal(document, origin="VR09", origin_seq=sequence, signing_key=KEY)
    return Update(sequence, 2, 1_700_000_000_000 + sequence, report, entry=entry)


def mirror() -> Mirror:
    return Mirror({"VR09": [KEY.public_key()]})


def test_updates_apply_in_order_and_a_gap_is_fetched_and_held():
    m = mirror()
    first, second, third = update(1, incident("VR09")), update(2, sitrep("VR09")), update(3, sitrep("VR09", text="x"))
    assert m.apply(first) is None and m.applied == 1
    assert m.apply(first) is None and m.applied == 1  # a duplicate is ignored
    assert m.apply(third) == ("fetch", 2, 2) and m.applied == 1
    assert m.apply(second) is None and m.applied == 3  # the held update follows
    assert m.entries["incident/VR09-20250611-01/sitrep/VR09"].sequence == 3


def test_a_report_that_does_not_verify_is_not_applied():
    m = mirror()
    good = update(1, incident("VR09"))
    forged = Update(1, 2, 0, SealedReport(good.report.envelope_bytes, bytes(64), good.report.sections))
    assert m.apply(forged) == ("hello",)
    assert m.applied == 0 and m.refused and m.refused[0][1].code == 218


def test_the_view_hash_depends_on_the_entries_not_the_order_and_a_snapshot_replaces_the_copy():
    updates = [update(1, incident("VR09")), update(2, sitrep("VR09")), update(3, sitrep("VR09", text="y"))]
    streamed = mirror()
    for u in updates:
        streamed.apply(u)
    # The snapshot holds the latest entry per key; its hash equals the streamed copy's.
    snap = mirror()
    snap.apply(update(1, incident("VR09")))  # an old copy that the snapshot replaces
    snap.begin_snapshot(Snapshot(3, 2, 2))
    for u in (updates[2], updates[0]):
        snap.snapshot_entry(Update(u.sequence, u.epoch, u.committed_at, u.report, entry=True))
    live = update(4, sitrep("VR09", text="z"))
    snap.apply(live)  # a live update during the snapshot is held
    assert snap.end_snapshot(SnapEnd(3, 2, streamed.view_hash)) is None
    assert snap.snapshots[-1][1], "the snapshot's hash differs from the streamed copy's"
    assert snap.applied == 4 and set(snap.entries) == set(streamed.entries)
    streamed.apply(live)
    assert snap.view_hash == streamed.view_hash


def test_exercise_reports_stay_out_of_the_view_hash():
    m = mirror()
    m.apply(update(1, incident("VR09")))
    before = m.view_hash
    m.apply(update(2, dict(incident("VR09", 2), exercise=True)))
    assert m.view_hash == before and "exercise/incident/VR09-20250611-02" in m.exercise

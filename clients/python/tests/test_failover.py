"""Following the active replica across a failover on etcd (§5.3, §12)."""

from __future__ import annotations

from conftest import deadline
from documents import incident, sitrep
from knooppunt_client import Ack

WAIT = deadline(15)


def test_the_client_follows_the_new_active_and_its_reports_are_acknowledged_there(replicas):
    client = replicas.client("VR08")

    def in_sync():
        beats = {l.address.role: l.beat for l in client.links if l.beat}
        roles = sorted(b.role for b in beats.values())
        active = [b for b in beats.values() if b.role == "active"]
        return client.welcomed and roles == ["active", "passive"] and not active[0].degraded

    client.run_until(in_sync, WAIT)
    first = client.submit(incident("VR08"))
    before = client.run_until(lambda: client.outcome(first), WAIT)
    assert isinstance(before, Ack) and not before.degraded
    old = client.followed.address.role

    # Reports still in flight when the active dies: it is paused first, so none of them can be
    # answered (or committed) by it, whatever the machine's load; its etcd lease runs out and
    # the other replica takes the role.
    replicas.pause(old)
    pending = [client.submit(sitrep("VR08", text=f"Stand {n}.")) for n in range(3)]
    client.pump(0)
    unanswered = [i for i in pending if not client.outcome(i)]
    replicas.kill(old)

    client.run_until(lambda: all(client.outcome(i) for i in pending), WAIT)
    acks = [client.outcome(i) for i in pending]
    assert all(isinstance(a, Ack) for a in acks), acks
    assert client.followed.address.role != old
    assert client.node_epoch > before.epoch
    # Each report has one sequence, after the first; the origin order is kept.
    assert [a.origin_seq for a in acks] == [before.origin_seq + 1 + n for n in range(3)]
    assert len({a.sequence for a in acks}) == 3 and min(a.sequence for a in acks) > before.sequence
    # What the old active had not answered was acknowledged by the new one, in its epoch.
    assert unanswered, "every report was answered before the kill: nothing was tested"
    assert all(client.outcome(i).epoch == client.node_epoch > before.epoch for i in unanswered)
    assert client.welcomes[-1][0] != old
    # The picture continues on the new active.
    client.run_until(lambda: client.mirror.applied >= max(a.sequence for a in acks), WAIT)
    assert client.mirror.refused == []

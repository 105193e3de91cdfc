"""A KNP/1 party: CURVE DEALERs to the node's replicas, following the active one, submitting with
a window, resend and recovery, and the picture stream into a Mirror (§5)."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field

import zmq

from . import messages as m
from .mirror import Mirror
from .network import Identity, Network, NodeAddress
from .report import SealedReport
from .wire import WireError, pack

ACTIVE_TIMEOUT = 0.6  # no active heartbeat for this long: the followed node is gone (§5.3)
ATTACH_INTERVAL = 1.0
STATUS_INTERVAL = 1.0
GAP_RETRY = 0.1  # a report refused with 400 while the gap before it fills: send again after
# Refusals after which resending cannot help; anything else (502 notActive, 500 rateLimited,
# 600 storageFailure) is retried.
RETRYABLE = {500, 502, 503, 600}
RETRY_DELAY = 0.5


@dataclass
class Link:
    address: NodeAddress
    socket: zmq.Socket
    last_heard: float = 0.0
    beat: m.Heartbeat | None = None
    beat_heard: float = 0.0
    attach_sent: float = 0.0
    beats_behind: int = 0


@dataclass
class OutboxEntry:
    """One report handed to the client: sealed when first sent (or at `seal`)."""
    document: dict | None
    report: SealedReport | None = None
    forced_seq: int | None = None
    sent: bool = False
    not_before: float = 0.0  # after a transient refusal: not sent again before this (monotonic)
    ack: m.Ack | None = None
    rejection: m.Error | None = None
    answers: list = field(default_factory=list)  # every ACK and ERROR, in order

    @property
    def pending(self) -> bool:
        return self.ack is None and self.rejection is None


class Client:
    """Use from one thread: call `pump` (or `run_until`) regularly; everything else only queues.

    >>> client = Client(Network.load("var/network.json"), Identity.from_data_folder("VR09", "var"))
    >>> report_id = client.submit(document)
    >>> client.run_until(lambda: client.outcome(report_id), timeout=5)
    """

    def __init__(self, network: Network, identity: Identity, role: str = "region",
                 window: int = 64, routing_id: str | None = None, context: zmq.Context | None = None):
        self.network, self.identity, self.role, self.window = network, identity, role, window
        self.context = context or zmq.Context.instance()
        self.mirror = Mirror(network.signing_keys)
        self.outbox: dict[str, OutboxEntry] = {}
        self.next_origin_seq: int | None = None  # known from the first WELCOME
        self.followed: Link | None = None
        self.welcomed = False
        self.node_epoch: int | None = None
        self.welcomes: list[tuple[str, m.Welcome]] = []
        self.unreadable: list[str] = []
        self.errors: list[m.Error] = []  # every ERROR, with or without a report id
        self.audit_heads: list[m.AuditHead] = []
        self._last_status = 0.0
        self._last_active_heard = time.monotonic()
        self.links: list[Link] = []
        for address in network.nodes:
            socket = self.context.socket(zmq.DEALER)
            socket.curve_secretkey = identity.curve_secret
            socket.curve_publickey = identity.curve_public
            socket.curve_serverkey = network.server_key
            socket.routing_id = (routing_id or identity.organisation).encode()
            socket.linger = 0
            # Nothing queues for a node we are not connected to: a dead node's backlog would
            # otherwise be sent to it, stale, when it comes back.
            socket.immediate = 1
            socket.reconnect_ivl = 100
            socket.reconnect_ivl_max = 1000
            socket.connect(address.endpoint)
            self.links.append(Link(address, socket))
        self.poller = zmq.Poller()
        for link in self.links:
            self.poller.register(link.socket, zmq.POLLIN)

    def close(self) -> None:
        for link in self.links:
            link.socket.close(0)

    # Submitting

    def submit(self, document: dict, origin_seq: int | None = None) -> str:
        """Queues a document; returns its report id (the document's `id`, or a fresh one).
        `origin_seq` forces an origin sequence (for tests of the node's ordering)."""
        report_id = document.get("id") or str(uuid.uuid4())
        self.outbox[report_id] = OutboxEntry(dict(document, id=report_id), forced_seq=origin_seq)
        self._send_outbox()
        return report_id

    def seal(self, document: dict) -> SealedReport:
        """Seals a document with the next origin sequence without sending it (needs a WELCOME)."""
        if self.next_origin_seq is None:
            raise RuntimeError("no WELCOME yet: the next origin sequence is unknown")
        report = SealedReport.seal(document, origin=self.identity.organisation,
                                   origin_seq=self.next_origin_seq, signing_key=self.identity.signing_key)
        self.next_origin_seq += 1
        return report

    def submit_sealed(self, report: SealedReport) -> str:
        """Queues a report sealed (and possibly altered) by the caller."""
        self.outbox[report.id] = OutboxEntry(None, report=report)
        if self.next_origin_seq is not None:
            self.next_origin_seq = max(self.next_origin_seq, report.origin_seq + 1)
        self._send_outbox()
        return report.id

    def resend(self, report_id: str) -> None:
        """Sends a report again as it was (the node answers a duplicate with its first ACK)."""
        entry = self.outbox[report_id]
        if entry.report is not None:
            self._send(self.followed, m.submit(entry.report))

    def outcome(self, report_id: str):
        """The ACK or the final ERROR of a report, or None while it is pending."""
        entry = self.outbox[report_id]
        return entry.ack or entry.rejection

    def answers(self, report_id: str) -> list:
        return self.outbox[report_id].answers

    @property
    def pending(self) -> list[str]:
        return [i for i, e in self.outbox.items() if e.pending]

    def _in_flight(self) -> int:
        return sum(1 for e in self.outbox.values() if e.pending and e.sent)

    def _send_outbox(self) -> None:
        if self.followed is None or not self.welcomed or self.next_origin_seq is None:
            return
        now = time.monotonic()
        waiting = [e for e in self.outbox.values() if e.pending and not e.sent and e.not_before <= now]
        waiting.sort(key=lambda e: (e.report is None, e.report.origin_seq if e.report else 0))
        for entry in waiting:
            if self._in_flight() >= self.window:
                return
            if entry.report is None:
                seq = entry.forced_seq or self.next_origin_seq
                entry.report = SealedReport.seal(entry.document, origin=self.identity.organisation,
                                                 origin_seq=seq, signing_key=self.identity.signing_key)
                self.next_origin_seq = max(self.next_origin_seq, seq + 1)
            if self._send(self.followed, m.submit(entry.report)):
                entry.sent = True
            else:
                return

    def _recover(self, expected: int, entry: OutboxEntry | None, stale: bool) -> None:
        """ERROR 400 (or 401 with `stale`): the node expects `expected` next.

        When one of our pending reports carries `expected`, the gap fills itself: the refused
        report goes again a little later. Otherwise that sequence is lost to us (a report we
        never sent, or one the node refused while decoding it): every pending report from
        `expected` on, and one whose sequence another report used (401), is sealed again from
        `expected` in its order. Reports below `expected` were decided; sent again as they
        are, the node repeats its answer."""
        pending = sorted((e for e in self.outbox.values() if e.pending and e.report is not None),
                         key=lambda e: e.report.origin_seq)
        if not stale and any(e.report.origin_seq == expected for e in pending):
            if entry is not None and entry.pending:
                entry.sent, entry.not_before = False, time.monotonic() + GAP_RETRY
            self._send_outbox()
            return
        seq = expected
        for candidate in pending:
            if candidate.report.origin_seq >= expected or (stale and candidate is entry):
                if candidate.report.origin_seq != seq:
                    candidate.report = candidate.report.resealed(seq, self.identity.signing_key)
                seq += 1
                candidate.sent = False
        for candidate in self.outbox.values():
            if candidate.pending and candidate.report is None:
                candidate.forced_seq = None
        self.next_origin_seq = seq
        self._send_outbox()

    # The loop

    def pump(self, timeout: float = 0.05) -> None:
        """Waits up to `timeout` seconds for the nodes, handles what came, runs the timers."""
        for socket, _ in self.poller.poll(int(timeout * 1000)):
            link = next(l for l in self.links if l.socket is socket)
            while True:
                try:
                    frames = socket.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self._receive(link, frames)
        self._timers()

    def run_until(self, predicate, timeout: float):
        """Pumps until `predicate()` is true (returns its value) or raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"not within {timeout} s")
            self.pump(0.02)

    def _send(self, link: Link | None, parts: list[bytes]) -> bool:
        if link is None:
            return False
        try:
            link.socket.send(pack(parts), zmq.NOBLOCK)
            return True
        except zmq.Again:
            return False

    def _hello(self, link: Link) -> None:
        self.mirror.restart()
        self._send(link, m.hello(self.mirror.applied, self.mirror.epoch, self.role))

    def fetch(self, first: int, last: int) -> None:
        """Asks the followed node to replay sequences first…last (gap repair does this itself)."""
        self._send(self.followed, m.fetch(first, last))

    def request_snapshot(self) -> None:
        """Asks the followed node for a full snapshot: a HELLO naming a sequence beyond its log
        (§5.2), so the SNAPEND's view hash can be compared with ours."""
        self.mirror.restart()
        self._send(self.followed, m.hello(1 << 62, self.mirror.epoch, self.role))

    def _follow(self, link: Link) -> None:
        self.followed = link
        self.welcomed = False
        for entry in self.outbox.values():
            if entry.pending:
                entry.sent = False
        self._hello(link)

    def _timers(self) -> None:
        now = time.monotonic()
        for link in self.links:
            if now - link.last_heard > ATTACH_INTERVAL and now - link.attach_sent > ATTACH_INTERVAL:
                if self._send(link, m.attach(self.mirror.applied, self.mirror.epoch, self.role)):
                    link.attach_sent = now
        # The active node with the highest epoch whose heartbeat is fresh.
        active = [l for l in self.links
                  if l.beat and l.beat.role in ("active", "standalone") and now - l.beat_heard < ACTIVE_TIMEOUT]
        if active:
            self._last_active_heard = now
            best = max(active, key=lambda l: l.beat.epoch)
            if best is not self.followed:
                self._follow(best)
        elif now - self._last_active_heard > ACTIVE_TIMEOUT:
            # Nobody active: wait. etcd elects the next active replica; its heartbeats say so.
            if self.followed is not None and now - self.followed.last_heard > ACTIVE_TIMEOUT:
                self.followed, self.welcomed = None, False
        if self.followed is not None and self.welcomed and now - self._last_status > STATUS_INTERVAL:
            self._last_status = now
            backlog = len(self.pending)
            self._send(self.followed, m.status(self.mirror.applied, self.mirror.epoch, self.mirror.view_hash,
                                               backlog, 0, os.getpid(), int(time.time() * 1000)))
        self._send_outbox()

    def _act(self, action) -> None:
        if action is None:
            return
        if action[0] == "fetch":
            self._send(self.followed, m.fetch(action[1], action[2]))
        elif action[0] == "hello" and self.followed is not None:
            self._hello(self.followed)

    def _receive(self, link: Link, frames: list[bytes]) -> None:
        now = time.monotonic()
        link.last_heard = now
        if len(frames) != 1:
            self.unreadable.append(f"{len(frames)} frames, expected one packed frame")
            return
        try:
            msg = m.decode(frames[0])
        except (WireError, ValueError, KeyError) as error:
            self.unreadable.append(str(error))
            return
        if isinstance(msg, m.Heartbeat):
            link.beat, link.beat_heard = msg, now
            if link is self.followed and self.welcomed:
                if self.node_epoch is not None and msg.epoch != self.node_epoch:
                    self._hello(link)
                elif msg.last_sequence > self.mirror.applied:
                    link.beats_behind += 1
                    if link.beats_behind >= 2:
                        self._act(self.mirror.behind(msg.last_sequence))
                else:
                    link.beats_behind = 0
            return
        if isinstance(msg, m.Welcome):
            self._welcome(link, msg)
            return
        if isinstance(msg, m.Ack):
            entry = self.outbox.get(msg.report_id)
            if entry is not None:
                entry.answers.append(msg)
                if entry.ack is None:
                    entry.ack = msg
            self._send_outbox()
        elif isinstance(msg, m.Error):
            self._error(link, msg)
        elif link is not self.followed:
            return  # the picture stream of a node we do not follow (the old active)
        elif isinstance(msg, m.Update):
            if msg.entry:
                self._act(self.mirror.snapshot_entry(msg))
            else:
                self._act(self.mirror.apply(msg))
        elif isinstance(msg, m.Snapshot):
            self.mirror.begin_snapshot(msg)
        elif isinstance(msg, m.SnapEnd):
            self._act(self.mirror.end_snapshot(msg))
        elif isinstance(msg, m.AuditHead):
            # Kept only when the node's audit key signed it.
            if self.network.audit_key is not None and msg.verifies(self.network.audit_key):
                self.audit_heads.append(msg)
            else:
                self.unreadable.append(f"AUDITHEAD row {msg.row} does not verify with the audit key")

    def _welcome(self, link: Link, welcome: m.Welcome) -> None:
        self.welcomes.append((link.address.role, welcome))
        if link is not self.followed:
            self.followed = link  # it answered our HELLO: it is active now
        self.welcomed = True
        self.node_epoch = welcome.epoch
        if self.next_origin_seq is None:
            self.next_origin_seq = welcome.next_origin_seq
        else:
            # Reports the node does not hold (never acknowledged by it) go again from where
            # it stands.
            for entry in self.outbox.values():
                if entry.ack and entry.report and entry.report.origin_seq >= welcome.next_origin_seq:
                    entry.ack = None
            if welcome.next_origin_seq > self.next_origin_seq:
                self.next_origin_seq = welcome.next_origin_seq
        for entry in self.outbox.values():
            if entry.pending:
                entry.sent = False
        self._send_outbox()

    def _error(self, link: Link, error: m.Error) -> None:
        self.errors.append(error)
        entry = self.outbox.get(error.report_id) if error.report_id else None
        if entry is None and error.report_id is None and 100 <= error.code < 300:
            # A SUBMIT the node could not decode (a digest mismatch, bad frames) is answered
            # without a report id (GAPS.md). It is ours when only one report is in flight.
            in_flight = [e for e in self.outbox.values() if e.pending and e.sent]
            if len(in_flight) == 1:
                entry = in_flight[0]
        if entry is not None:
            entry.answers.append(error)
        if error.code in (400, 401) and "expected" in error.detail:
            # Neither uses up the origin sequence (the node checks order before anything else).
            self._recover(int(error.detail["expected"]), entry, stale=error.code == 401)
            return
        if error.code == 502:
            # Not active: wait for the active replica's heartbeats.
            if link is self.followed:
                self.followed, self.welcomed = None, False
            return
        if entry is None:
            return
        if error.code in RETRYABLE:
            entry.sent, entry.not_before = False, time.monotonic() + RETRY_DELAY
            return
        entry.rejection = error
        # A refusal naming the report used its origin sequence up (the node checked the
        # order first: GAPS.md); one naming no report (not decodable, or 300) did not.
        consumed = error.report_id is not None and error.code != 300
        if not consumed and entry.report and self.next_origin_seq == entry.report.origin_seq + 1:
            self.next_origin_seq = entry.report.origin_seq
        self._send_outbox()

"""KNP/1 commands on the node endpoint (§5): what a daemon sends and what the node answers."""

from __future__ import annotations

from dataclasses import dataclass

from .report import SealedReport
from .wire import PROTOCOL, WireError, canonical, message, number, parse_json, unpack

ROLES = ("region", "nctv", "police", "desk", "watch")
NODE_ROLES = ("active", "passive", "standalone")


# Daemon → node. Each returns the parts; pack() makes the one frame.

def hello(applied: int, epoch: int, role: str) -> list[bytes]:
    return message("HELLO", applied, epoch, role)


def attach(applied: int, epoch: int, role: str) -> list[bytes]:
    """Heartbeats without subscribing or voting (GAPS.md: not in PROTOCOL.md)."""
    return message("ATTACH", applied, epoch, role)


def submit(report: SealedReport) -> list[bytes]:
    return message("SUBMIT", *report.frames)


def fetch(first: int, last: int) -> list[bytes]:
    return message("FETCH", first, last)


def status(applied: int, epoch: int, view_hash: str, backlog: int, oldest_ms: int, pid: int, sent_at: int) -> list[bytes]:
    return message("STATUS", canonical({
        "applied": applied, "epoch": epoch, "viewHash": view_hash, "outboxBacklog": backlog,
        "oldestQueuedMs": oldest_ms, "pid": pid, "sentAt": sent_at,
    }))


# Node → daemon.

@dataclass
class Ack:
    report_id: str
    epoch: int
    sequence: int
    origin_seq: int
    duplicate: bool
    degraded: bool


@dataclass
class Error:
    report_id: str | None
    code: int
    message: str
    detail: dict


@dataclass
class Update:
    """An UPDATE, or an ENTRY of a snapshot (same parts)."""
    sequence: int
    epoch: int
    committed_at: int
    report: SealedReport
    entry: bool = False


@dataclass
class Snapshot:
    sequence: int
    epoch: int
    count: int


@dataclass
class SnapEnd:
    sequence: int
    epoch: int
    view_hash: str


@dataclass
class Heartbeat:
    role: str
    epoch: int
    last_sequence: int
    node_time: int
    degraded: bool


@dataclass
class Welcome:
    epoch: int
    last_sequence: int
    next_origin_seq: int
    epoch_starts: list[tuple[int, int]]


@dataclass
class AuditHead:
    """The node's signed audit chain head (§13)."""
    row: int
    head_hash: bytes
    epoch: int
    at: int
    signature: bytes  # 64 raw bytes (GAPS.md)

    def signed_bytes(self) -> bytes:
        """"KNA1-checkpoint" ‖ row ‖ head hash ‖ epoch ‖ time, integers 8 bytes big-endian."""
        return (b"KNA1-checkpoint" + self.row.to_bytes(8, "big") + self.head_hash
                + self.epoch.to_bytes(8, "big") + (self.at % (1 << 64)).to_bytes(8, "big"))

    def verifies(self, audit_key) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            audit_key.verify(self.signature, self.signed_bytes())
            return True
        except InvalidSignature:
            return False


def _count(body: list[bytes], expected: int, command: str) -> None:
    if len(body) != expected:
        raise WireError(f"{command} has {expected} parts after its name, found {len(body)}")


def decode(frame: bytes):
    """One packed frame from the node → one of the dataclasses above; WireError otherwise."""
    parts = unpack(frame)
    if len(parts) < 2 or parts[0] != PROTOCOL:
        raise WireError("expected KNP1")
    command, body = parts[1].decode("ascii", "replace"), parts[2:]
    if command == "ACK":
        _count(body, 5, command)
        flags = set(filter(None, body[4].decode().split(",")))
        if not flags <= {"duplicate", "degraded"}:
            raise WireError(f"ACK: unknown flags {flags}")
        return Ack(body[0].decode(), number(body[1], "ACK.epoch"), number(body[2], "ACK.sequence"),
                   number(body[3], "ACK.originSeq"), "duplicate" in flags, "degraded" in flags)
    if command == "ERROR":
        _count(body, 4, command)
        detail = parse_json(body[3])
        if not isinstance(detail, dict):
            raise WireError("ERROR.detail is not an object")
        return Error(body[0].decode() or None, number(body[1], "ERROR.code"), body[2].decode(), detail)
    if command in ("UPDATE", "ENTRY"):
        if len(body) < 6:
            raise WireError(f"{command} needs sequence, epoch, time, envelope, signature, sections")
        return Update(number(body[0], f"{command}.sequence"), number(body[1], f"{command}.epoch"),
                      int(body[2]), SealedReport.from_frames(body[3:]), entry=command == "ENTRY")
    if command == "SNAPSHOT":
        _count(body, 3, command)
        return Snapshot(number(body[0], "SNAPSHOT.sequence"), number(body[1], "SNAPSHOT.epoch"),
                        number(body[2], "SNAPSHOT.count"))
    if command == "SNAPEND":
        _count(body, 3, command)
        view_hash = body[2].decode()
        if len(view_hash) != 64:
            raise WireError("SNAPEND.hash: expected 64 hex digits")
        return SnapEnd(number(body[0], "SNAPEND.sequence"), number(body[1], "SNAPEND.epoch"), view_hash)
    if command == "HEARTBEAT":
        _count(body, 5, command)
        role = body[0].decode()
        if role not in NODE_ROLES:
            raise WireError(f"HEARTBEAT: unknown role {role!r}")
        return Heartbeat(role, number(body[1], "HEARTBEAT.epoch"), number(body[2], "HEARTBEAT.sequence"),
                         int(body[3]), body[4] == b"degraded")
    if command == "WELCOME":
        if len(body) < 3 or len(body) % 2 != 1:
            raise WireError("WELCOME has epoch, sequence, origin sequence, then pairs")
        starts = [(number(body[i], "WELCOME.epoch"), number(body[i + 1], "WELCOME.first"))
                  for i in range(3, len(body), 2)]
        return Welcome(number(body[0], "WELCOME.epoch"), number(body[1], "WELCOME.sequence"),
                       number(body[2], "WELCOME.nextOriginSeq"), starts)
    if command == "AUDITHEAD":
        _count(body, 5, command)
        head_hash = bytes.fromhex(body[1].decode())
        if len(head_hash) != 32 or len(body[4]) != 64:
            raise WireError("AUDITHEAD: expected a 32-byte hash (hex) and a 64-byte signature")
        return AuditHead(number(body[0], "AUDITHEAD.row"), head_hash, number(body[2], "AUDITHEAD.epoch"),
                         int(body[3]), body[4])
    raise WireError(f"unknown command {command[:20]!r} from the node")

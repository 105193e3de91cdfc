"""A party's copy of the picture in its own view (§5.2, §6): updates strictly in order, gap
repair, snapshots that replace the copy, and the view hash."""

from __future__ import annotations

from dataclasses import dataclass

from .messages import SnapEnd, Snapshot, Update
from .report import MODULUS, ReportError, SealedReport, entry_hash, view_hash_hex

HOLD_LIMIT = 10_000


@dataclass
class Entry:
    sequence: int
    epoch: int
    committed_at: int
    report: SealedReport

    def hash(self) -> int:
        return entry_hash(self.report.key, self.sequence, self.report.envelope_bytes, self.report.visibility)


class Mirror:
    """Holds the latest entry per picture key. `apply`, `begin_snapshot`, `snapshot_entry` and
    `end_snapshot` return what to send the node next: ("fetch", first, last), ("hello",) or None."""

    def __init__(self, signing_keys: dict):
        self.signing_keys = signing_keys
        self.applied = 0
        self.epoch = 0  # the epoch of the applied sequence
        self.entries: dict[str, Entry] = {}
        self.exercise: dict[str, Entry] = {}
        self._hash = 0
        self.held: dict[int, Update] = {}
        self.fetching_to = 0
        self.snapshot: tuple[Snapshot, list[Update]] | None = None
        # What happened, for callers and tests.
        self.received: list[Update] = []
        self.refused: list[tuple[int, ReportError]] = []
        self.snapshots: list[tuple[SnapEnd, bool]] = []  # (SNAPEND, our hash equalled it)

    @property
    def view_hash(self) -> str:
        return view_hash_hex(self._hash)

    def verify(self, update: Update) -> bool:
        keys = self.signing_keys.get(update.report.origin, [])
        try:
            update.report.verify(keys)
            return True
        except ReportError as error:
            self.refused.append((update.sequence, error))
            return False

    def _put(self, entries: dict[str, Entry], update: Update) -> None:
        key = update.report.key
        exercise = key.startswith("exercise/")
        target = self.exercise if exercise else entries
        old = target.get(key)
        new = Entry(update.sequence, update.epoch, update.committed_at, update.report)
        if entries is self.entries and not exercise:
            if old is not None:
                self._hash = (self._hash - old.hash()) % MODULUS
            self._hash = (self._hash + new.hash()) % MODULUS
        target[key] = new

    def apply(self, update: Update):
        self.received.append(update)
        if not self.verify(update):
            # A report that does not verify is never applied; start over from the node.
            return ("hello",)
        if self.snapshot is not None:
            self._hold(update)
            return None
        if update.sequence <= self.applied:
            return None  # a duplicate of catch-up and the live stream
        if update.sequence > self.applied + 1:
            return self._hold(update)
        self._apply_in_order(update)
        return None

    def _apply_in_order(self, update: Update) -> None:
        self._put(self.entries, update)
        self.applied, self.epoch = update.sequence, update.epoch
        while self.applied + 1 in self.held:
            following = self.held.pop(self.applied + 1)
            self._put(self.entries, following)
            self.applied, self.epoch = following.sequence, following.epoch
        for sequence in [s for s in self.held if s <= self.applied]:
            del self.held[sequence]

    def _hold(self, update: Update):
        if len(self.held) >= HOLD_LIMIT:
            self.held.clear()
            self.fetching_to = 0
            return ("hello",)
        self.held[update.sequence] = update
        if self.snapshot is None and self.fetching_to < update.sequence - 1:
            self.fetching_to = update.sequence - 1
            return ("fetch", self.applied + 1, update.sequence - 1)
        return None

    def behind(self, last_sequence: int):
        """A heartbeat's last sequence stayed beyond ours: fetch the range."""
        if self.snapshot is None and last_sequence > self.applied and self.fetching_to < last_sequence:
            self.fetching_to = last_sequence
            return ("fetch", self.applied + 1, last_sequence)
        return None

    def restart(self) -> None:
        """A new HELLO: forget repairs in flight (the node streams from our applied again)."""
        self.fetching_to = 0
        self.snapshot = None

    def begin_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = (snapshot, [])

    def snapshot_entry(self, update: Update):
        self.received.append(update)
        if self.snapshot is None:
            return None
        if not self.verify(update):
            self.snapshot = None
            return ("hello",)
        self.snapshot[1].append(update)
        return None

    def end_snapshot(self, end: SnapEnd):
        """Replaces the copy with the snapshot; the view is then as of S."""
        if self.snapshot is None:
            return None
        _, updates = self.snapshot
        self.snapshot = None
        self.entries, self.exercise, self._hash = {}, {}, 0
        for update in updates:
            self._put(self.entries, update)
        self.applied, self.epoch = end.sequence, end.epoch
        self.fetching_to = 0
        self.snapshots.append((end, self.view_hash == end.view_hash))
        for sequence in [s for s in self.held if s <= self.applied]:
            del self.held[sequence]
        if self.applied + 1 in self.held:
            self._apply_in_order(self.held.pop(self.applied + 1))
        if self.held:
            self.fetching_to = min(self.held) - 1
            return ("fetch", self.applied + 1, min(self.held) - 1)
        return None

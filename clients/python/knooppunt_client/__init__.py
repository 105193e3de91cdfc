"""A reference KNP/1 client (docs/PROTOCOL.md): submit reports, follow the picture."""

from .client import Client, OutboxEntry
from .messages import Ack, Error, Heartbeat, SnapEnd, Update, Welcome
from .mirror import Entry, Mirror
from .network import Identity, Network
from .report import ReportError, SealedReport, entry_hash, picture_key, section_digest
from .wire import canonical, pack, unpack

__all__ = [
    "Ack", "Client", "Entry", "Error", "Heartbeat", "Identity", "Mirror", "Network", "OutboxEntry",
    "ReportError", "SealedReport", "SnapEnd", "Update", "Welcome", "canonical", "entry_hash", "pack",
    "picture_key", "section_digest", "unpack",
]

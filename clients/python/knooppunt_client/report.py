"""Reports: documents cut into salted, digested sections under a signed envelope (§3, §4)."""

from __future__ import annotations

import copy
import datetime
import hashlib
import os
import uuid
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .wire import canonical, parse_json

SCHEMA_VERSION = 1
DISCIPLINES = ["BRW", "POL", "GZ", "BZ", "CCOM", "DEF", "MULTI"]
SITREP_META = ["confidence", "verification", "supersedes", "nextUpdateDue"]
SITREP_TAIL = ["oordeel", "besluiten", "acties", "communicatie"]
COMMON_FIELDS = ["type", "id", "exercise", "author"]
# The document field that moves into the envelope, per type (routing needs it when the
# content is withheld).
ENVELOPE_FIELD = {
    "incident": "incident", "grip": "incident", "sitrep": "incident", "measure": "incident",
    "ackRequest": "subject", "ack": "subject", "threat": None,
}


class ReportError(ValueError):
    """A report that does not verify: a bad signature, a digest mismatch, a bad envelope."""

    def __init__(self, code: int, field: str, message: str):
        super().__init__(f"E{code} {field}: {message}")
        self.code, self.field = code, field


def section_digest(salt: bytes, name: str, content: bytes) -> bytes:
    """SHA-256(salt ‖ name ‖ 0x00 ‖ content)."""
    return hashlib.sha256(salt + name.encode() + b"\x00" + content).digest()


def picture_key(document: dict, origin: str) -> str:
    """The picture key a report writes (§6); `exercise/` in front for exercise reports."""
    kind = document["type"]
    if kind == "incident":
        key = f"incident/{document['incident']}"
    elif kind == "grip":
        key = f"incident/{document['incident']}/grip"
    elif kind == "sitrep":
        key = f"incident/{document['incident']}/sitrep/{origin}"
    elif kind == "threat":
        area = document["area"]
        key = "threat/national" if area.get("scope") == "national" else f"threat/{area['code']}"
    elif kind == "ackRequest":
        key = f"ack/{document['subject']}/request"
    elif kind == "ack":
        key = f"ack/{document['subject']}/{origin}"
    elif kind == "measure":
        key = f"measure/{document['municipality']}/{origin}"
    else:
        raise ValueError(f"unknown report type {kind!r}")
    return ("exercise/" if document.get("exercise") else "") + key


def split(document: dict) -> tuple[dict, list[tuple[str, object, bytes]]]:
    """Cuts a document into envelope fields and (name, classification, content) sections."""
    fields = copy.deepcopy(document)
    kind = fields["type"]
    for name in COMMON_FIELDS:
        fields.pop(name, None)
    extra: dict = {}
    envelope_field = ENVELOPE_FIELD[kind]
    if envelope_field and envelope_field in fields:
        extra[envelope_field] = fields.pop(envelope_field)
    sections = []

    def section(name: str, value: dict) -> None:
        value = dict(value)
        classification = value.pop("classification")
        sections.append((name, classification, canonical(value)))

    if kind == "sitrep":
        meta = {k: fields.pop(k) for k in SITREP_META if k in fields}
        if meta:
            extra["meta"] = meta
        beeld = fields.pop("beeld", {})
        for discipline in DISCIPLINES:
            if discipline in beeld:
                section(f"beeld.{discipline}", beeld[discipline])
        for name in SITREP_TAIL:
            if name in fields:
                section(name, fields.pop(name))
    else:
        section(kind, fields)
    return extra, sections


def now_rfc3339() -> str:
    """Now in RFC 3339 with an offset and milliseconds (at most 3 fractional digits)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


@dataclass
class SealedReport:
    """A report as it travels: envelope bytes as signed, signature, one content per section
    (None where the holder's view withholds it)."""

    envelope_bytes: bytes
    signature: bytes
    sections: list[bytes | None]
    envelope: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.envelope:
            self.envelope = parse_json(self.envelope_bytes)

    @property
    def id(self) -> str:
        return self.envelope["id"]

    @property
    def origin(self) -> str:
        return self.envelope["origin"]

    @property
    def origin_seq(self) -> int:
        return self.envelope["originSeq"]

    @property
    def key(self) -> str:
        return self.envelope["key"]

    @property
    def frames(self) -> list[bytes]:
        return [self.envelope_bytes, self.signature] + [s or b"" for s in self.sections]

    @property
    def visibility(self) -> bytes:
        return bytes(0 if s is None else 1 for s in self.sections)

    def content(self, name: str):
        """A section's content as JSON, None when withheld."""
        for descriptor, section in zip(self.envelope["sections"], self.sections):
            if descriptor["name"] == name:
                return None if section is None else parse_json(section)
        raise KeyError(name)

    def verify(self, keys: list[Ed25519PublicKey]) -> None:
        """Checks the signature against the origin's keys (current or retired), then every
        section present against its digest. Raises ReportError (218, 217, 216)."""
        if len(self.signature) != 64:
            raise ReportError(218, "signature", "an Ed25519 signature has 64 bytes")
        for key in keys:
            try:
                key.verify(self.signature, self.envelope_bytes)
                break
            except InvalidSignature:
                continue
        else:
            raise ReportError(218, "signature", f"does not verify with {self.origin}'s keys")
        descriptors = self.envelope.get("sections", [])
        if len(descriptors) != len(self.sections):
            raise ReportError(102, "sections", "envelope and message disagree on the section count")
        for descriptor, content in zip(descriptors, self.sections):
            if content is None:
                continue
            digest = section_digest(bytes.fromhex(descriptor["salt"]), descriptor["name"], content)
            if digest.hex() != descriptor["digest"]:
                raise ReportError(217, descriptor["name"], "does not match its digest")

    @staticmethod
    def from_frames(frames: list[bytes]) -> "SealedReport":
        """From envelope, signature and section parts; an empty part is a withheld section."""
        if len(frames) < 3:
            raise ReportError(102, "report", "needs an envelope, a signature and sections")
        return SealedReport(frames[0], frames[1], [f if f else None for f in frames[2:]])

    @staticmethod
    def seal(
        document: dict, *, origin: str, origin_seq: int, signing_key: Ed25519PrivateKey,
        report_id: str | None = None, created: str | None = None,
    ) -> "SealedReport":
        """Assigns id, origin sequence and creation time, cuts the document into salted,
        digested sections and signs the envelope."""
        extra, sections = split(document)
        descriptors, contents = [], []
        for name, classification, content in sections:
            salt = os.urandom(16)
            descriptors.append({
                "name": name, "class": classification, "salt": salt.hex(),
                "digest": section_digest(salt, name, content).hex(),
            })
            contents.append(content)
        envelope = {
            "v": SCHEMA_VERSION,
            "id": report_id or document.get("id") or str(uuid.uuid4()),
            "origin": origin,
            "originSeq": origin_seq,
            "created": created or now_rfc3339(),
            "type": document["type"],
            "key": picture_key(document, origin),
            "exercise": bool(document.get("exercise", False)),
            "sections": descriptors,
            **extra,
        }
        if "author" in document:
            envelope["author"] = document["author"]
        envelope_bytes = canonical(envelope)
        return SealedReport(envelope_bytes, signing_key.sign(envelope_bytes), contents, envelope)

    def resealed(self, origin_seq: int, signing_key: Ed25519PrivateKey) -> "SealedReport":
        """The same report (id, sections, salts) under another origin sequence."""
        envelope = dict(self.envelope, originSeq=origin_seq)
        envelope_bytes = canonical(envelope)
        return SealedReport(envelope_bytes, signing_key.sign(envelope_bytes), list(self.sections), envelope)


MODULUS = 1 << 256


def entry_hash(key: str, sequence: int, envelope_bytes: bytes, visibility: bytes) -> int:
    """SHA-256("KNP1" ‖ key ‖ 0x00 ‖ sequence (8 bytes BE) ‖ SHA-256(envelope) ‖ visibility),
    read as a big-endian 256-bit number."""
    digest = hashlib.sha256(
        b"KNP1" + key.encode() + b"\x00" + sequence.to_bytes(8, "big")
        + hashlib.sha256(envelope_bytes).digest() + visibility
    ).digest()
    return int.from_bytes(digest, "big")


def view_hash_hex(value: int) -> str:
    return f"{value % MODULUS:064x}"

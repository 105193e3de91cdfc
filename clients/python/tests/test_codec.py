"""The client's codec without a node: frames, canonical JSON, sealing, view hash."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from documents import incident, sitrep
from knooppunt_client import ReportError, SealedReport, canonical, entry_hash, pack, unpack
from knooppunt_client.report import MODULUS, split
from knooppunt_client.wire import WireError


def test_a_pack_round_trips_and_a_bad_pack_is_refused():
    parts = [b"KNP1", b"HELLO", b"", b"0" * 300]
    frame = pack(parts)
    assert frame[:4] == b"\x00\x00\x00\x04" and unpack(frame) == parts
    for bad in (frame[:-1], frame + b"x", b"\x00\x00", b"\x00\x00\x00\x01\x00\x00\x00\x09abc"):
        with pytest.raises(WireError):
            unpack(bad)
    with pytest.raises(WireError):
        unpack(pack([b""] * 66))


def test_canonical_json():
    assert canonical({"b": 1, "a": [True, None, 2.5, 3.0], "é": "x", "Z": "\"\\\n\r\t\x01/é"}) == (
        '{"Z":"\\"\\\\\\n\\r\\t\\u0001/é","a":[true,null,2.5,3.0],"b":1,"é":"x"}'.encode())
    # Keys sort by UTF-8 bytes: U+FFFF after U+10000 in UTF-16 order, before it in UTF-8 order.
    assert canonical({"\U00010000": 1, "\uffff": 2}) == '{"\uffff":2,"\U00010000":1}'.encode()


def test_a_sitrep_splits_into_ordered_sections_and_meta():
    extra, sections = split(sitrep("VR09"))
    assert extra == {"incident": "VR09-20250611-01",
                     "meta": {"confidence": "medium", "verification": "unconfirmed"}}
    assert [s[0] for s in sections] == ["beeld.BRW", "beeld.POL", "beeld.MULTI", "communicatie"]
    assert sections[0][2] == b'{"text":"Brand meester."}'
    _, [(name, classification, content)] = split(incident("VR09"))
    assert name == "incident" and classification == "partners" and b"classification" not in content


def test_a_sealed_report_verifies_with_withheld_sections_and_not_when_altered():
    key = Ed25519PrivateKey.generate()
    report = SealedReport.seal(sitrep("VR09"), origin="VR09", origin_seq=7, signing_key=key)
    assert report.key == "incident/VR09-20250611-01/sitrep/VR09" and report.origin_seq == 7
    report.verify([key.public_key()])
    # As a party that may not read the police picture receives it: an empty part.
    sections = report.sections
    withheld = SealedReport.from_frames(
        [report.envelope_bytes, report.signature, sections[0], b"", sections[2], sections[3]])
    withheld.verify([key.public_key()])
    assert withheld.visibility == b"\x01\x00\x01\x01" and withheld.content("beeld.POL") is None
    altered = SealedReport(report.envelope_bytes, report.signature, [b"{}"] + report.sections[1:])
    with pytest.raises(ReportError) as error:
        altered.verify([key.public_key()])
    assert error.value.code == 217
    with pytest.raises(ReportError) as error:
        report.verify([Ed25519PrivateKey.generate().public_key()])
    assert error.value.code == 218
    again = report.resealed(8, key)
    again.verify([key.public_key()])
    assert again.origin_seq == 8 and again.sections == report.sections


def test_the_view_hash_is_order_free():
    a = entry_hash("incident/VR09-20250611-01", 1, b"{}", b"\x01")
    b = entry_hash("incident/VR09-20250611-02", 2, b"{}", b"\x00")
    assert (a + b) % MODULUS == (b + a) % MODULUS
    assert ((a + b) - a) % MODULUS == b

"""Bytes on the wire: packed frames (PROTOCOL.md §4.1), canonical JSON (§4.3), hex."""

from __future__ import annotations

import json
import math
import struct

MAX_PARTS = 64
PROTOCOL = b"KNP1"


class WireError(ValueError):
    """A message that is not a well-formed KNP/1 pack."""


def pack(parts: list[bytes]) -> bytes:
    """One ZeroMQ frame: a 4-byte big-endian count, then each part as length + bytes."""
    out = [struct.pack(">I", len(parts))]
    for part in parts:
        out.append(struct.pack(">I", len(part)))
        out.append(bytes(part))
    return b"".join(out)


def unpack(frame: bytes, max_parts: int = MAX_PARTS + 1) -> list[bytes]:
    """The parts of one packed frame; WireError when the pack does not add up."""
    if len(frame) < 4:
        raise WireError("frame shorter than its count")
    (count,) = struct.unpack_from(">I", frame, 0)
    if count > max_parts:
        raise WireError(f"{count} parts, more than {max_parts}")
    index, parts = 4, []
    for _ in range(count):
        if index + 4 > len(frame):
            raise WireError("part length cut off")
        (length,) = struct.unpack_from(">I", frame, index)
        index += 4
        if length > len(frame) - index:
            raise WireError("part longer than the frame")
        parts.append(frame[index : index + length])
        index += length
    if index != len(frame):
        raise WireError("bytes after the last part")
    return parts


def message(command: str, *parts: bytes | str | int) -> list[bytes]:
    """KNP1, the command, then the parts (str as UTF-8, int as ASCII decimal)."""
    return [PROTOCOL, command.encode()] + [part_bytes(p) for p in parts]


def part_bytes(value: bytes | str | int) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        raise TypeError("booleans are not parts")
    if isinstance(value, int):
        return str(value).encode()
    return value.encode()


def number(part: bytes, field: str) -> int:
    """A decimal unsigned number as the node writes it: digits only, no leading zeros."""
    if not part or len(part) > 20 or not part.isdigit() or (len(part) > 1 and part[:1] == b"0"):
        raise WireError(f"{field}: expected a decimal number, found {part[:24]!r}")
    return int(part)


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("JSON has no NaN or infinity")
    # Whole doubles keep a visible fraction so they read back as numbers (GAPS.md: the Swift
    # writer does this below 1e15 and uses Swift's shortest form above).
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value)}.0"
    return repr(value)


def _write(value, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        # Sorted by UTF-8 bytes, not by code points or UTF-16 units.
        for index, key in enumerate(sorted(value, key=lambda k: k.encode())):
            if index:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"no JSON for {type(value).__name__}")


def canonical(value) -> bytes:
    """Canonical JSON (§4.3): equal values give equal bytes."""
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode()


def parse_json(data: bytes):
    """Strict enough for what the node sends: UTF-8 JSON, duplicate keys refused."""

    def no_duplicates(pairs):
        result = {}
        for key, value in pairs:
            if key in result:
                raise WireError(f"duplicate key {key[:40]!r}")
            result[key] = value
        return result

    return json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates)

#!/usr/bin/env python3
"""Writes docs/schema/report.schema.json: the JSON Schema (draft 2020-12) of KNP/1 report
documents, exactly as DocumentCodec.decode accepts them (docs/PROTOCOL.md §3).

Run from anywhere after changing the codec, its limits or config/reference/municipalities.csv:

    python3 docs/schema/generate-schema.py

The schema is committed; KnooppuntProtocolTests checks that its enumerations match the Swift
enums and the reference data, and that it gives the same verdict as the codec on every
example and every malformed case.
"""

import csv
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "docs/schema/report.schema.json"

# DocumentLimits (Sources/KnooppuntProtocol/FieldReader.swift).
TITLE, TEXT, NAME, LIST = 200, 4000, 120, 50
# OrganisationCode.all.count: the most parties a list can name.
ORGANISATIONS = 28
# Signal limits (Sources/KnooppuntDomain/Signal.swift).
PERSON_REFERENCE, LEGAL_BASIS, RECIPIENTS, RETENTION_DAYS, ROLE = 64, 32, 16, 1825, 32
EXERCISE_RETENTION_SECONDS = 86400

# Python's re (used by common validators) lets `$` match before a final newline; ECMA-262
# does not. `(?!\n)` after `$` makes both engines end the match at the end of the text.
END = "$(?!\\n)"

# Unicode White_Space, the set Swift's Unicode.Scalar.Properties.isWhitespace tests: a text
# must hold at least one scalar outside it.
NOT_BLANK = "[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"

YEAR = "(?:19[7-9][0-9]|[2-9][0-9]{3})"
MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
LEAP_YEAR = (
    "(?:19(?:7[26]|8[048]|9[26])"
    "|[2-9][0-9](?:0[48]|[2468][048]|[13579][26])"
    "|(?:[2468][048]|[3579][26])00)"
)
TIME = "[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,3})?"
OFFSET = "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
TIMESTAMP = f"^(?:{YEAR}-{MONTH_DAY}|{LEAP_YEAR}-02-29){TIME}{OFFSET}{END}"

ENUMS = {
    "reportType": [
        "incident", "grip", "sitrep", "threat", "ackRequest", "ack", "measure", "signal", "signalAck",
        "signalFollowUp", "signalRead",
    ],
    "signalKind": ["radicalisation", "violence", "psychological", "other"],
    "signalRequest": ["inform", "discussMAR", "discussCaseMeeting", "act"],
    "signalOutcome": ["caseMeeting", "noAction", "forwarded", "closed"],
    "incidentKind": [
        "fire", "explosion", "shooting", "stabbing", "possibleTerroristAttack", "hostageSituation",
        "flood", "storm", "chemicalRelease", "nuclear", "infectiousDisease", "transportAccident",
        "infrastructureFailure", "cyberIncident", "publicOrder", "evacuation", "other",
    ],
    "incidentStatus": ["open", "closed", "reopened"],
    "gripLevel": ["0", "1", "2", "3", "4", "5", "RIJK"],
    "confidence": ["low", "medium", "high"],
    "verification": ["unconfirmed", "confirmed", "retracted"],
    "threatStep": [
        "announced", "proposed", "consulting", "declared", "delivered", "adviceIssued", "review", "lowered",
    ],
    "measureKind": [
        "stayInside", "buildingsClosed", "schoolsClosed", "publicTransportStopped", "roadsClosed",
        "eventsCancelled", "evacuation", "increasedSurveillance", "other",
    ],
    "disciplines": ["BRW", "POL", "GZ", "BZ", "CCOM", "DEF", "MULTI"],
}


def ref(name):
    return {"$ref": f"#/$defs/{name}"}


def string(max_length, description):
    return {"type": "string", "maxLength": max_length, "pattern": NOT_BLANK, "description": description}


def array(items, max_items=LIST, min_items=0):
    schema = {"type": "array", "items": items, "maxItems": max_items}
    if min_items:
        schema["minItems"] = min_items
    return schema


def obj(properties, required, **extra):
    schema = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    schema.update(extra)
    return schema


def section(properties, required, description):
    """A section object: its fields plus the classification every section carries."""
    properties = dict(properties, classification=ref("classification"))
    return obj(properties, required + ["classification"], description=description)


def report(type_name, properties, required, description):
    """A whole document of one type: the common fields plus the type's own."""
    common = {
        "type": {"const": type_name},
        "id": ref("reportId"),
        "exercise": {"type": "boolean", "description": "Exercise report (default false)."},
        "author": dict(ref("name"), description="The person who wrote it."),
    }
    properties = dict(common, **properties)
    return obj(properties, ["type"] + required + ["classification"], description=description)


def municipalities():
    with open(ROOT / "config/reference/municipalities.csv", newline="", encoding="utf-8") as f:
        return sorted(row["gemcode"] for row in csv.DictReader(f))


def schema():
    defs = {
        "title": string(TITLE, f"A title: 1 to {TITLE} characters, not only whitespace."),
        "text": string(TEXT, f"Free text: 1 to {TEXT} characters, not only whitespace."),
        "name": string(NAME, f"A name or function: 1 to {NAME} characters, not only whitespace."),
        "reportId": {
            "type": "string",
            "maxLength": 36,
            "pattern": f"^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}{END}",
            "description": "A report id: a lowercase UUID.",
        },
        "incidentId": {
            "type": "string",
            "pattern": f"^[A-Za-z0-9._-]{{3,64}}{END}",
            "description": "An incident id such as VR09-20190318-01: 3 to 64 letters, digits, '-', '_', '.'.",
        },
        "timestamp": {
            "type": "string",
            "maxLength": 40,
            "pattern": TIMESTAMP,
            "description": "RFC 3339 with an offset (Z allowed), at most 3 fractional digits, from 1970.",
        },
        "organisation": {
            "type": "string",
            "pattern": f"^(?:NATIONAL|NCTV|POLICE|VR(?:0[1-9]|1[0-9]|2[0-5])){END}",
            "description": "An organisation of the network: NATIONAL, NCTV, POLICE or VR01 to VR25.",
        },
        "region": {
            "type": "string",
            "pattern": f"^VR(?:0[1-9]|1[0-9]|2[0-5]){END}",
            "description": "A safety region, VR01 to VR25.",
        },
        "province": {
            "type": "string",
            "pattern": f"^PV(?:2[0-9]|3[01]){END}",
            "description": "A province (CBS code), PV20 to PV31.",
        },
        "municipality": {
            "type": "string",
            "enum": municipalities(),
            "description": "A municipality (CBS code) from config/reference/municipalities.csv.",
        },
        "classification": {
            "description": "Who may read the section.",
            "anyOf": [
                {"enum": ["public", "partners", "police", "national"]},
                obj(
                    {"parties": array(ref("organisation"), ORGANISATIONS, 1)},
                    ["parties"],
                    description="Only the organisations named.",
                ),
            ],
        },
        "point": obj(
            {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
            },
            ["lat", "lon"],
            description="A WGS84 point.",
        ),
        "location": obj(
            {"municipality": ref("municipality"), "point": ref("point"), "description": ref("title")},
            [],
            anyOf=[{"required": ["municipality"]}, {"required": ["point"]}],
            description="A municipality, a point, or both.",
        ),
        "disciplinePicture": section({"text": ref("text")}, ["text"], "One discipline's picture."),
        "legalBasis": {
            "type": "string",
            "pattern": f"^[A-Z][A-Z0-9-]{{1,{LEGAL_BASIS - 1}}}{END}",
            "description": "A legal-basis code of the signal policy (config/signals.yaml), e.g. WJSG-39F.",
        },
    }
    for name in ("reportType", "incidentKind", "incidentStatus", "gripLevel", "confidence",
                 "verification", "threatStep", "measureKind", "signalKind", "signalRequest", "signalOutcome"):
        defs[name] = {"enum": ENUMS[name]}

    target_area = obj(
        {
            "regions": array(ref("region")),
            "municipalities": array(ref("municipality")),
        },
        [],
        anyOf=[
            {"required": ["regions"], "properties": {"regions": {"minItems": 1}}},
            {"required": ["municipalities"], "properties": {"municipalities": {"minItems": 1}}},
        ],
        description="Where the message is meant for: at least one region or municipality.",
    )
    threat_area = obj(
        {"scope": {"enum": ["national", "province", "region"]}, "code": {"type": "string"}},
        ["scope"],
        oneOf=[
            {"properties": {"scope": {"const": "national"}}, "not": {"required": ["code"]}},
            {"properties": {"scope": {"const": "province"}, "code": ref("province")}, "required": ["code"]},
            {"properties": {"scope": {"const": "region"}, "code": ref("region")}, "required": ["code"]},
        ],
        description="National (no code), a province (PVxx) or a safety region (VRxx).",
    )

    defs["incident"] = report(
        "incident",
        {
            "incident": ref("incidentId"),
            "title": ref("title"),
            "kind": ref("incidentKind"),
            "location": ref("location"),
            "startedAt": ref("timestamp"),
            "lead": obj(
                {"organisation": ref("organisation"), "function": ref("name")},
                ["organisation", "function"],
                description="Who leads: the organisation and the function in it.",
            ),
            "status": ref("incidentStatus"),
            "mergedInto": ref("incidentId"),
            "linked": array(ref("incidentId")),
            "classification": ref("classification"),
        },
        ["incident", "title", "kind", "location", "startedAt", "lead", "status"],
        "An incident as its lead organisation reports it.",
    )
    defs["grip"] = report(
        "grip",
        {
            "incident": ref("incidentId"),
            "level": ref("gripLevel"),
            "codeList": {"const": "grip-2013"},
            "reason": ref("text"),
            "decidedAt": ref("timestamp"),
            "classification": ref("classification"),
        },
        ["incident", "level", "codeList", "reason", "decidedAt"],
        "A change of an incident's GRIP level.",
    )
    defs["sitrep"] = report(
        "sitrep",
        {
            "incident": ref("incidentId"),
            "beeld": {
                "type": "object",
                "properties": {d: ref("disciplinePicture") for d in ENUMS["disciplines"]},
                "additionalProperties": False,
                "minProperties": 1,
                "description": "The picture per discipline; at least one.",
            },
            "oordeel": section(
                {
                    "bottlenecks": array(ref("text")),
                    "risks": array(ref("text")),
                    "prognosis": ref("text"),
                },
                ["bottlenecks", "risks", "prognosis"],
                "The judgement of the situation.",
            ),
            "besluiten": section(
                {
                    "items": array(
                        obj(
                            {"text": ref("text"), "decidedBy": ref("name"), "at": ref("timestamp")},
                            ["text"],
                        ),
                        min_items=1,
                    )
                },
                ["items"],
                "Decisions taken.",
            ),
            "acties": section(
                {
                    "items": array(
                        obj(
                            {"text": ref("text"), "owner": ref("name"), "deadline": ref("timestamp")},
                            ["text", "owner", "deadline"],
                        ),
                        min_items=1,
                    )
                },
                ["items"],
                "Actions, each with an owner and a deadline.",
            ),
            "communicatie": section(
                {
                    "coreMessage": ref("text"),
                    "actionAdvice": ref("text"),
                    "targetArea": target_area,
                },
                ["coreMessage", "actionAdvice", "targetArea"],
                "Crisis communication: the core message and the action advice (handelingsperspectief).",
            ),
            "confidence": ref("confidence"),
            "verification": ref("verification"),
            "supersedes": ref("reportId"),
            "nextUpdateDue": ref("timestamp"),
        },
        ["incident", "beeld", "confidence", "verification"],
        "A situation report in the BOB structure (beeld, oordeel, besluiten) plus acties and communicatie.",
    )
    # A sitrep's classifications live in its sections, not at the top level.
    defs["sitrep"]["required"].remove("classification")
    defs["threat"] = report(
        "threat",
        {
            "area": threat_area,
            "level": {"type": "integer", "minimum": 1, "maximum": 5},
            "step": ref("threatStep"),
            "reason": ref("text"),
            "actionAdvice": ref("text"),
            "reviewAt": ref("timestamp"),
            "classification": ref("classification"),
        },
        ["area", "level", "step", "reason"],
        "A threat level (1 Minimaal to 5 Kritiek) for an area, as NCTV sets it.",
    )
    defs["ackRequest"] = report(
        "ackRequest",
        {
            "subject": ref("reportId"),
            "parties": array(ref("organisation"), ORGANISATIONS, 1),
            "deadline": ref("timestamp"),
            "note": ref("text"),
            "classification": ref("classification"),
        },
        ["subject", "parties", "deadline"],
        "A request that the named parties acknowledge a report by a deadline.",
    )
    defs["ack"] = report(
        "ack",
        {
            "subject": ref("reportId"),
            "by": ref("name"),
            "note": ref("text"),
            "classification": ref("classification"),
        },
        ["subject", "by"],
        "A person's acknowledgement of a report.",
    )
    defs["measure"] = report(
        "measure",
        {
            "municipality": ref("municipality"),
            "incident": ref("incidentId"),
            "measures": array(
                obj({"kind": ref("measureKind"), "text": ref("text")}, ["kind", "text"]), min_items=1
            ),
            "classification": ref("classification"),
        },
        ["municipality", "measures"],
        "The measures in force in one municipality.",
    )

    defs["signal"] = report(
        "signal",
        {
            "from": ref("organisation"),
            "person": {
                "type": "string",
                "pattern": f"^(?![0-9]{{8,9}}{END})[A-Za-z0-9._:-]{{1,{PERSON_REFERENCE}}}{END}",
                "description": "A pseudonymous reference only the sender resolves: no name (no spaces), not a BSN.",
            },
            "kind": ref("signalKind"),
            "assessment": ref("text"),
            "legalBasis": ref("legalBasis"),
            "recipients": array(ref("organisation"), RECIPIENTS, 1),
            "retentionDays": {"type": "integer", "minimum": 1, "maximum": RETENTION_DAYS},
            "exerciseRetentionSeconds": {
                "type": "integer",
                "minimum": 1,
                "maximum": EXERCISE_RETENTION_SECONDS,
                "description": "An exercise's retention in seconds (the node refuses it on a real signal).",
            },
            "asked": ref("signalRequest"),
            "classification": dict(
                ref("classification"),
                description="Ignored: a signal is read by exactly its sender and its recipients.",
            ),
        },
        ["from", "person", "kind", "assessment", "legalBasis", "recipients", "retentionDays", "asked"],
        "A signal about a person, sent to named recipients on a legal basis (issue 18).",
    )
    defs["signal"]["required"].remove("classification")
    defs["signalAck"] = report(
        "signalAck",
        {
            "subject": ref("reportId"),
            "by": ref("name"),
            "note": ref("text"),
            "classification": ref("classification"),
        },
        ["subject", "by"],
        "A recipient's acknowledgement of receipt of a signal; read by the signal's readers only.",
    )
    defs["signalFollowUp"] = report(
        "signalFollowUp",
        {
            "subject": ref("reportId"),
            "outcome": ref("signalOutcome"),
            "by": ref("name"),
            "note": ref("text"),
            "legalBasis": ref("legalBasis"),
            "classification": ref("classification"),
        },
        ["subject", "outcome", "by"],
        "What a recipient did with a signal; forwarding names the recipient's own legal basis.",
    )
    defs["signalFollowUp"]["if"] = {"properties": {"outcome": {"const": "forwarded"}}, "required": ["outcome"]}
    defs["signalFollowUp"]["then"] = {"required": ["legalBasis"]}
    defs["signalRead"] = report(
        "signalRead",
        {
            "subject": ref("reportId"),
            "by": ref("name"),
            "role": string(ROLE, f"The reader's role: 1 to {ROLE} characters."),
            "at": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807},
            "classification": ref("classification"),
        },
        ["subject", "by", "role", "at"],
        "That a person opened a signal's content (made by the daemon that showed it); never content.",
    )

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:knooppunt:knp1:report",
        "title": "Knooppunt report document (KNP/1)",
        "description": (
            "A report as an operator writes it, in JSON or YAML (docs/PROTOCOL.md §3). "
            "`knooppunt validate FILE` gives the same verdict, with error codes."
        ),
        "$comment": (
            "Generated by docs/schema/generate-schema.py; do not edit by hand. "
            "Lengths count Unicode code points. What this schema cannot say and the codec still "
            "checks: an incident is not mergedInto itself; a signal's sender is not one of its "
            "recipients; an integer is written without a "
            "fraction (JSON Schema treats 3.0 as the integer 3); and, when reading the text, "
            "UTF-8, no duplicate keys, nesting of at most 32 levels, numbers within 64-bit "
            "integers or finite doubles, and at most 262144 bytes."
        ),
        "type": "object",
        "required": ["type"],
        "properties": {"type": ref("reportType")},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": t}}, "required": ["type"]},
                "then": ref(t),
            }
            for t in ENUMS["reportType"]
        ],
        "$defs": defs,
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")

"""Report documents for the suite, after docs/examples (real, not exercise, reports)."""

from __future__ import annotations


def incident(region: str, number: int = 1) -> dict:
    return {
        "type": "incident",
        "incident": f"{region}-20250611-{number:02d}",
        "title": "Explosie in parkeergarage Jaarbeursplein",
        "kind": "possibleTerroristAttack",
        "location": {"municipality": "GM0344", "point": {"lat": 52.0894, "lon": 5.1077}},
        "startedAt": "2025-06-11T10:42:00+02:00",
        "lead": {"organisation": region, "function": "Burgemeester"},
        "status": "open",
        "classification": "partners",
    }


def sitrep(region: str, number: int = 1, text: str = "Brand meester.") -> dict:
    return {
        "type": "sitrep",
        "incident": f"{region}-20250611-{number:02d}",
        "confidence": "medium",
        "verification": "unconfirmed",
        "beeld": {
            "BRW": {"text": text, "classification": "partners"},
            "POL": {"text": "Verdachte voortvluchtig.", "classification": {"parties": ["POLICE", "NATIONAL", region]}},
            "MULTI": {"text": "Omgeving ontruimd.", "classification": "public"},
        },
        "communicatie": {
            "coreMessage": "Er is een ernstig incident. Hulpdiensten zijn ter plaatse.",
            "actionAdvice": "Mijd het gebied.",
            "targetArea": {"regions": [region], "municipalities": []},
            "classification": "public",
        },
    }

"""What a party needs to reach the national node: network.json and its own key file (§2)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import zmq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


@dataclass
class NodeAddress:
    role: str  # "primary", "backup" or "third"
    endpoint: str


@dataclass
class Network:
    """The public part of a deployment: node endpoints, the node's CURVE key, and every
    organisation's signing keys (current first, then retired)."""

    nodes: list[NodeAddress]
    server_key: bytes  # Z85
    signing_keys: dict[str, list[Ed25519PublicKey]]
    audit_key: Ed25519PublicKey | None

    @staticmethod
    def load(path: str | Path) -> "Network":
        data = json.loads(Path(path).read_text())
        node = data["node"]
        nodes = [
            NodeAddress(role, node[role]["endpoint"])
            for role in ("primary", "backup", "third")
            if isinstance(node.get(role), dict)
        ]
        keys = {}
        for org, entry in data["organisations"].items():
            hexes = [entry["signingPublicKey"]] + list(entry.get("retiredSigningPublicKeys", []))
            keys[org] = [Ed25519PublicKey.from_public_bytes(bytes.fromhex(h)) for h in hexes]
        audit = node.get("auditPublicKey")
        return Network(
            nodes=nodes,
            server_key=node["curvePublicKey"].encode(),
            signing_keys=keys,
            audit_key=Ed25519PublicKey.from_public_bytes(bytes.fromhex(audit)) if audit else None,
        )


@dataclass
class Identity:
    """One organisation's secrets: its CURVE key pair (Z85) and Ed25519 signing key."""

    organisation: str
    curve_secret: bytes
    curve_public: bytes
    signing_key: Ed25519PrivateKey

    @staticmethod
    def load(organisation: str, path: str | Path) -> "Identity":
        data = json.loads(Path(path).read_text())
        secret = data["curveSecretKey"].encode()
        return Identity(
            organisation=organisation,
            curve_secret=secret,
            curve_public=zmq.curve_public(secret),
            signing_key=Ed25519PrivateKey.from_private_bytes(bytes.fromhex(data["signingSecretKey"])),
        )

    @staticmethod
    def from_data_folder(organisation: str, folder: str | Path) -> "Identity":
        """From DIR/keys/<ORG>.json as `knooppunt keys init` writes it."""
        return Identity.load(organisation, Path(folder) / "keys" / f"{organisation}.json")

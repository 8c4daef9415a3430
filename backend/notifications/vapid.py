"""VAPID keys: the server's identity towards push services (RFC 8292).

Keys come from settings (`VAPID_PRIVATE_KEY`, `VAPID_PUBLIC_KEY`); `python -m backend.cli vapid-keys` prints a
new pair. Outside production, when none is set, a pair is generated once and kept in the data folder
(`var/vapid.json`), like the local secret key. In production, without keys web push is off.

Both keys are base64url without padding: the private key is the raw 32-byte P-256 scalar, the public key the
65-byte uncompressed point (what the browser's `applicationServerKey` expects).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from backend.settings import Settings, SettingsError

KEY_FILE = "vapid.json"


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding (raises ValueError on anything else)."""
    text = text.strip()
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    """A VAPID key pair and the contact sent in every JWT's `sub`."""

    private_key: str
    public_key: str
    subject: str

    def signer(self) -> Vapid02:
        """A py_vapid signer for this private key (load it once, sign many times)."""
        return Vapid02.from_raw(self.private_key.encode())


def generate_keys() -> tuple[str, str]:
    """A new (private, public) pair, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    return private_raw(key), public_of(key)


def private_raw(key: ec.EllipticCurvePrivateKey) -> str:
    """The raw 32-byte scalar, base64url."""
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_of(key: ec.EllipticCurvePrivateKey) -> str:
    """The uncompressed public point, base64url."""
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def derive_public(private_key: str) -> str:
    """The public key that belongs to a base64url private key (raises ValueError if it is not one)."""
    raw = b64url_decode(private_key)
    if len(raw) != 32:
        raise ValueError("a VAPID private key is 32 bytes")
    return public_of(ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()))


def resolve(settings: Settings) -> VapidKeys | None:
    """The keys to use: from settings, else (outside production) the local pair, generated once. None: push off."""
    if settings.vapid_private_key:
        try:
            public = derive_public(settings.vapid_private_key)
        except ValueError as exc:
            raise SettingsError("VAPID_PRIVATE_KEY is not a base64url P-256 private key.") from exc
        if settings.vapid_public_key and settings.vapid_public_key.rstrip("=") != public:
            raise SettingsError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY.")
        return VapidKeys(settings.vapid_private_key, public, settings.vapid_subject)
    if settings.production:
        return None
    return VapidKeys(*_local_pair(settings), settings.vapid_subject)


def _local_pair(settings: Settings) -> tuple[str, str]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key_file = settings.data_dir / KEY_FILE
    if not key_file.exists():
        private, public = generate_keys()
        key_file.write_text(json.dumps({"private_key": private, "public_key": public}))
        key_file.chmod(0o600)
    stored = json.loads(key_file.read_text())
    return str(stored["private_key"]), str(stored["public_key"])

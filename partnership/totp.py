"""Time-based one-time passwords (RFC 6238, the codes authenticator apps show), as an optional
second factor. Required for administrators and senior police officers when
``TOTP_REQUIRED_FOR_PRIVILEGED`` is on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6


def totp_secret_new() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def totp_code(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def totp_match(secret: str, code: str, *, at: float | None = None, window: int = 1) -> int | None:
    """The time step the code belongs to (allowing one step of clock drift either way), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = current_step(at)
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(totp_code(secret, step), code):
            return step
    return None


def totp_uri(secret: str, username: str) -> str:
    label = quote(f"Partnership coordinator:{username}")
    return (
        f"otpauth://totp/{label}?secret={secret}&issuer=Partnership%20coordinator&digits={DIGITS}"
    )

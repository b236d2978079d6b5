"""Secrets kept in the database (mailbox passwords), encrypted with Fernet.

The key is UNIDESK_ENCRYPTION_KEY when set, else derived from UNIDESK_SECRET_KEY: rotating
the secret key without setting the encryption key makes stored passwords unreadable (the
admin then asks for them again); see docs/email.md.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    secret = settings.UNIDESK_ENCRYPTION_KEY or settings.SECRET_KEY
    digest = hashlib.sha256(b"unidesk mailbox secrets\x00" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii") if value else ""


def decrypt(token: str) -> str | None:
    """The secret, or None when it was encrypted under another key."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None

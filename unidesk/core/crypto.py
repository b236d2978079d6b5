"""Secrets kept in the database (mailbox passwords, bot tokens), encrypted with Fernet.

The key comes from `UNIDESK_ENCRYPTION_KEY` when set (any long random string; a Fernet key
works as is), else it is derived from `UNIDESK_SECRET_KEY`. Changing the key makes stored
secrets unreadable: enter them again (the admin says so) or keep the old key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from unidesk.core.errors import DomainError


def _fernet() -> Fernet:
    material = settings.UNIDESK_ENCRYPTION_KEY or settings.SECRET_KEY
    digest = hashlib.sha256(f"unidesk.crypto:{material}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The plain text; DomainError when the key changed or the value was tampered with."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise DomainError(
            "A stored secret cannot be decrypted: the encryption key changed. Enter it again."
        ) from None


def try_decrypt(token: str) -> str | None:
    """The plain text, or None when it was encrypted under another key."""
    try:
        return decrypt(token)
    except DomainError:
        return None

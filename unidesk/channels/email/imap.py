"""Fetching mail from existing mailboxes over IMAP (`unidesk imap-poll`); parsing is not here.

Incremental by UID: a mailbox remembers its folder's UIDVALIDITY and the last UID it
fetched, so each poll asks only for newer mail; a changed UIDVALIDITY (the folder was
rebuilt) starts over, which is harmless because receiving is idempotent on the Message-ID.
Fetched mail is marked read or moved to another folder. Safe to run repeatedly and from
several machines: at worst a mail is fetched twice and stored once.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass

from django.conf import settings

from unidesk.channels.email.models import AfterFetch, Mailbox, Security
from unidesk.channels.email.services import receive_email
from unidesk.core.time import now

log = logging.getLogger(__name__)


class ImapError(Exception):
    pass


@dataclass
class PollResult:
    fetched: int = 0
    created: int = 0
    repeats: int = 0
    skipped: int = 0


def _context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.UNIDESK_IMAP_CA_FILE:
        context.load_verify_locations(cafile=settings.UNIDESK_IMAP_CA_FILE)
    return context


def connect(mailbox: Mailbox, *, ssl_context: ssl.SSLContext | None = None) -> imaplib.IMAP4:
    """A logged-in connection to the mailbox's server."""
    password = mailbox.imap_password()
    if password is None:
        where = (
            f"the environment variable {mailbox.imap_password_env}"
            if mailbox.imap_password_env
            else "the admin (it was stored under another encryption key, or never)"
        )
        raise ImapError(f"No IMAP password for {mailbox.address}: set it in {where}.")
    context = ssl_context or _context()
    timeout = settings.UNIDESK_SMTP_TIMEOUT
    client: imaplib.IMAP4
    if mailbox.imap_security == Security.SSL:
        client = imaplib.IMAP4_SSL(
            mailbox.imap_host, mailbox.imap_port or 993, ssl_context=context, timeout=timeout
        )
    else:
        client = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port or 143, timeout=timeout)
        if mailbox.imap_security == Security.STARTTLS:
            client.starttls(ssl_context=context)
    try:
        client.login(mailbox.imap_user, password)
    except imaplib.IMAP4.error as exc:
        client.shutdown()
        raise ImapError(f"IMAP login as {mailbox.imap_user} failed: {exc}") from exc
    return client


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uidvalidity(client: imaplib.IMAP4) -> int | None:
    _typ, data = client.response("UIDVALIDITY")
    for item in data or ():
        if item is not None:
            try:
                return int(item)
            except (TypeError, ValueError):
                continue
    return None


def _message_bytes(data: list[object]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def poll_mailbox(
    mailbox: Mailbox, *, limit: int = 500, ssl_context: ssl.SSLContext | None = None
) -> PollResult:
    """Fetch and receive new mail of one mailbox; records the outcome on the mailbox."""
    result = PollResult()
    try:
        client = connect(mailbox, ssl_context=ssl_context)
        try:
            _poll(client, mailbox, result, limit=limit)
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()
    except (ImapError, imaplib.IMAP4.error, OSError) as exc:
        mailbox.imap_error = str(exc)[:2000]
        mailbox.imap_polled_at = now()
        mailbox.save(update_fields=["imap_error", "imap_polled_at"])
        raise ImapError(str(exc)) from exc
    mailbox.imap_error = ""
    mailbox.imap_polled_at = now()
    mailbox.save(update_fields=["imap_error", "imap_polled_at"])
    return result


def _poll(client: imaplib.IMAP4, mailbox: Mailbox, result: PollResult, *, limit: int) -> None:
    typ, _data = client.select(_quote(mailbox.imap_folder))
    if typ != "OK":
        raise ImapError(f"Cannot open the folder {mailbox.imap_folder!r}.")
    validity = _uidvalidity(client)
    if validity is not None and validity != mailbox.imap_uidvalidity:
        if mailbox.imap_uidvalidity is not None:
            log.warning("%s: UIDVALIDITY changed; fetching the folder again", mailbox.address)
        mailbox.imap_uidvalidity = validity
        mailbox.imap_last_uid = 0
        mailbox.save(update_fields=["imap_uidvalidity", "imap_last_uid"])
    typ, data = client.uid("SEARCH", "UID", f"{mailbox.imap_last_uid + 1}:*")
    if typ != "OK":
        raise ImapError(f"UID SEARCH failed: {data!r}")
    found = b" ".join(d for d in data if isinstance(d, bytes)).split()
    # "n:*" always matches the newest mail, even when its UID is below n.
    uids = sorted(u for u in (int(x) for x in found) if u > mailbox.imap_last_uid)[:limit]
    typ, data = client.capability()  # after login: servers announce more (MOVE)
    capabilities = {
        c.decode("ascii", "replace").upper()
        for c in b" ".join(d for d in data if isinstance(d, bytes)).split()
    } | set(client.capabilities)
    moved = False
    for uid in uids:
        typ, size_data = client.uid("FETCH", str(uid), "(RFC822.SIZE)")
        size_match = re.search(
            rb"RFC822\.SIZE (\d+)", b" ".join(x if isinstance(x, bytes) else b"" for x in size_data)
        )
        if size_match and int(size_match.group(1)) > settings.UNIDESK_EMAIL_MAX_BYTES:
            log.warning("%s: UID %s is over the size limit; left in the mailbox", mailbox, uid)
            result.skipped += 1
        else:
            typ, fetched = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = _message_bytes(fetched) if typ == "OK" else None
            if raw is None:
                log.warning("%s: UID %s vanished before it was fetched", mailbox, uid)
                result.skipped += 1
            else:
                received = receive_email(raw, via="imap", mailbox=mailbox)
                result.fetched += 1
                if received.status == "duplicate":
                    result.repeats += 1
                else:
                    result.created += 1
                if mailbox.imap_after == AfterFetch.MOVE and mailbox.imap_move_to:
                    _move(client, uid, mailbox.imap_move_to, capabilities)
                    moved = True
                else:
                    client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
        mailbox.imap_last_uid = uid
        mailbox.save(update_fields=["imap_last_uid"])
    if moved and "MOVE" not in capabilities:
        client.expunge()


def _move(client: imaplib.IMAP4, uid: int, folder: str, capabilities: set[str]) -> None:
    if "MOVE" in capabilities:
        typ, data = client.uid("MOVE", str(uid), _quote(folder))
    else:
        typ, data = client.uid("COPY", str(uid), _quote(folder))
        if typ == "OK":
            client.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")
    if typ != "OK":
        raise ImapError(f"Cannot move mail to {folder!r}: {data!r}")

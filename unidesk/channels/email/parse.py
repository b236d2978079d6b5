"""`parse(raw) -> InboundMessage`: one e-mail, as bytes, into the shape intake takes.

Pure: no database, no network. The standard library's `email` package (policy default)
reads the MIME structure after `headers.split_message` has repaired the header block; the
headers Unidesk relies on (From, Subject, ids) are decoded by `headers` itself, which is
more forgiving than the strict view. Nothing here raises on bad input: a message that
cannot be read at all comes back flagged `unparseable`, with the raw bytes attached as
`original.eml` (PII redacted, see redact.py), so a human can look at it.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import nh3

from unidesk.channels.email.charsets import decode_text, normalise_charset
from unidesk.channels.email.headers import (
    Address,
    RawHeaders,
    header_text,
    message_ids,
    parse_addresses,
    split_message,
)
from unidesk.channels.email.redact import redact_original
from unidesk.channels.email.text import html_to_text, split_reply
from unidesk.intake.inbound import InboundAttachment, InboundMessage

log = logging.getLogger(__name__)

CHANNEL = "email"
#: Parts beyond this many are not read (a guard against crafted messages).
MAX_PARTS = 500
_TICKET_REF = re.compile(r"\[#(\d{1,12})\]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_CID_PLACEHOLDER = re.compile(r"^\s*\[cid:[^\]]*\]\s*$", re.MULTILINE)


def clean_text(text: str) -> str:
    """No control characters (but tabs and newlines), no Outlook [cid:...] placeholders."""
    return _CID_PLACEHOLDER.sub("", _CONTROL.sub("", text))


@dataclass(frozen=True)
class Bounce:
    """What a delivery status notification says about the mail it returns."""

    recipients: tuple[str, ...]
    status: str
    diagnostic: str
    original_message_id: str | None
    permanent: bool


@dataclass(frozen=True)
class ParsedEmail:
    """`inbound` for intake, plus what only the e-mail channel needs."""

    inbound: InboundMessage
    message_id: str | None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_address: str = ""
    quoted_text: str = ""
    signature: str = ""
    inline: dict[str, str] = field(default_factory=dict)
    auto_reply: str = ""
    bounce: Bounce | None = None
    unparseable: str = ""

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Ids this mail answers, most specific first: In-Reply-To, then References newest
        first."""
        seen: dict[str, None] = {}
        for mid in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(mid, None)
        return tuple(seen)


def parse(raw: bytes) -> InboundMessage:
    return parse_email(raw).inbound


def parse_email(raw: bytes, *, envelope_from: str = "") -> ParsedEmail:
    """Read one raw e-mail; never raises, never loses it."""
    try:
        return _parse(raw, envelope_from=envelope_from)
    except Exception as exc:  # the last line of defence: keep the mail for a human
        log.warning("unparseable e-mail (%s bytes): %s", len(raw), exc, exc_info=True)
        return _unparseable(raw, reason=f"{type(exc).__name__}: {exc}"[:300], envelope_from="")


# --- the whole message -----------------------------------------------------------------------


def _parse(raw: bytes, *, envelope_from: str) -> ParsedEmail:
    headers, block, body = split_message(raw)
    message = BytesParser(policy=policy.default).parsebytes(block + body)
    hint = _message_charset(message, headers)

    subject = clean_text(header_text(headers.first("subject"), hint=hint))
    senders = _senders(headers, hint=hint)
    if not senders and "@" in envelope_from:
        senders = [Address("", envelope_from.strip("<>"))]
    reply_to = parse_addresses(headers.get("reply-to"), hint=hint)

    content = _Collector(hint=hint)
    content.visit(message)
    text = content.text()
    html = content.html()
    clean_html = sanitise_html(html) if html else ""
    if not text.strip() and html:
        text = html_to_text(html)
    split = split_reply(text)

    ids = message_ids(headers.get("message-id"))
    message_id = ids[0] if ids else None
    external_id = message_id or _stable_id(headers, body)
    in_reply_to = tuple(message_ids(headers.get("in-reply-to")))
    references = tuple(
        mid for value in headers.get_all("references") for mid in message_ids(value)
    )[-50:]

    bounce = content.bounce or _bounce_by_look(headers, senders, subject, content)
    auto_reply = "" if bounce else _auto_reply_reason(headers, subject)
    flags: dict[str, object] = {}
    if auto_reply:
        flags["auto_reply"] = True
        flags["auto_reply_reason"] = auto_reply
    if bounce:
        flags["bounce"] = True
    if split.quoted or split.signature:
        flags["has_quote"] = True

    attachments = content.attachments
    unparseable = ""
    if not senders and bounce is None:
        unparseable = "no sender address"
    elif not (split.new_text.strip() or clean_html.strip() or attachments):
        unparseable = "no text, HTML or attachment"
    if unparseable:
        flags["unparseable"] = True
        flags["unparseable_reason"] = unparseable
        attachments = [
            *attachments,
            InboundAttachment("original.eml", "message/rfc822", redact_original(raw)),
        ]

    sender = senders[0] if senders else None
    identities = (
        (("email", sender.address),)
        if sender
        else (("external", f"email-unknown:{external_id}"[:320]),)
    )
    match = _TICKET_REF.findall(subject)
    inbound = InboundMessage(
        channel=CHANNEL,
        identities=identities,
        external_id=external_id[:500],
        sender_name=sender.name if sender else "",
        subject=subject,
        text=split.new_text,
        html=clean_html,
        attachments=tuple(attachments),
        reply_to=(in_reply_to or references[-1:] or (None,))[0],
        ticket_ref=int(match[-1]) if match else None,
        sent_at=_date(headers.get("date")),
        thread_by_sender=sender is not None,
        flags=flags,
    )
    return ParsedEmail(
        inbound=inbound,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        to=tuple(parse_addresses(headers.get("to"), hint=hint)),
        cc=tuple(parse_addresses(headers.get("cc"), hint=hint)),
        reply_address=(reply_to[0].address if reply_to else sender.address if sender else ""),
        quoted_text=split.quoted,
        signature=split.signature,
        inline=content.inline,
        auto_reply=auto_reply,
        bounce=bounce,
        unparseable=unparseable,
    )


def _senders(headers: RawHeaders, *, hint: str = "") -> list[Address]:
    """The first From header that names a mailbox (spam sometimes carries a broken one
    first), else Sender, Reply-To or Return-Path, as a mail client falls back."""
    for name in ("from", "sender", "reply-to", "return-path"):
        for value in headers.get_all(name):
            found = parse_addresses(value, hint=hint)
            if found:
                return found
    return []


def _unparseable(raw: bytes, *, reason: str, envelope_from: str) -> ParsedEmail:
    """The floor: whatever can be read by regular expressions, and the raw bytes."""
    head = raw[:65536]
    sender = None
    subject = ""
    message_id = None
    try:
        headers, _block, _body = split_message(head)
        found = _senders(headers)
        sender = found[0] if found else None
        subject = header_text(headers.first("subject"))
        ids = message_ids(headers.get("message-id"))
        message_id = ids[0] if ids else None
    except Exception:
        log.debug("not even the headers of this mail can be read", exc_info=True)
    if sender is None and "@" in envelope_from:
        sender = Address("", envelope_from.strip("<>"))
    external_id = message_id or f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.unidesk>"
    inbound = InboundMessage(
        channel=CHANNEL,
        identities=(
            (("email", sender.address),)
            if sender
            else (("external", f"email-unknown:{external_id}"[:320]),)
        ),
        external_id=external_id[:500],
        sender_name=sender.name if sender else "",
        subject=subject,
        attachments=(InboundAttachment("original.eml", "message/rfc822", redact_original(raw)),),
        thread_by_sender=False,
        flags={"unparseable": True, "unparseable_reason": reason},
    )
    return ParsedEmail(inbound=inbound, message_id=message_id, unparseable=reason)


def _stable_id(headers: RawHeaders, body: bytes) -> str:
    """An id for a mail without Message-ID that is the same however it reached us (SMTP
    or IMAP add different trace headers and line endings)."""
    digest = hashlib.sha256()
    for name in ("from", "to", "cc", "date", "subject"):
        digest.update(name.encode() + b":" + (headers.get(name) or b"") + b"\n")
    normalised = b"\n".join(line.rstrip() for line in body.replace(b"\r\n", b"\n").split(b"\n"))
    digest.update(normalised.strip())
    return f"<{digest.hexdigest()[:40]}@no-message-id.unidesk>"


def _date(value: bytes | None) -> datetime | None:
    if not value:
        return None
    try:
        at = parsedate_to_datetime(value.decode("ascii", "replace").strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if not (datetime(1980, 1, 1, tzinfo=UTC) < at < datetime.now(UTC) + timedelta(days=366)):
        return None
    return at


_WORD_CHARSET = re.compile(rb"=\?([^?\s*]+)(?:\*[^?\s]*)?\?[bBqQ]\?")


def _message_charset(message: Message, headers: RawHeaders) -> str:
    """A charset the message declares somewhere: the hint for its raw 8-bit headers.

    A part's Content-Type first (what mail clients use), else the charset of an encoded
    word in another header (a sender that encodes its name in windows-1252 writes its raw
    subject in windows-1252 too)."""
    try:
        for part in message.walk():
            charset = normalise_charset(part.get_param("charset", header="content-type"))  # type: ignore[arg-type]
            if charset and charset not in ("ascii", "utf-8"):
                return charset
    except Exception:
        pass
    for _name, value in headers.items:
        for match in _WORD_CHARSET.finditer(value):
            charset = normalise_charset(match.group(1).decode("ascii", "replace"))
            if charset and charset not in ("ascii", "utf-8"):
                return charset
    return ""


# --- MIME parts -------------------------------------------------------------------------------


class _Collector:
    """Walks the MIME tree: body text and HTML in reading order, the rest attachments."""

    def __init__(self, *, hint: str) -> None:
        self.hint = hint
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[InboundAttachment] = []
        self.inline: dict[str, str] = {}
        self.bounce: Bounce | None = None
        self.parts = 0
        self._names: set[str] = set()

    def text(self) -> str:
        return "\n\n".join(t.strip("\n") for t in self.texts if t.strip())

    def html(self) -> str:
        return "\n".join(h for h in self.htmls if h.strip())

    def visit(self, part: Message) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            return
        ctype = _content_type(part)
        if ctype in ("message/rfc822", "message/global") and self.parts > 1:
            self._attach_message(part)  # a forwarded mail: an .eml attachment
            return
        if part.is_multipart():
            children = [p for p in part.get_payload() if isinstance(p, Message)]
            if ctype == "multipart/alternative":
                self._alternative(children)
            elif ctype == "multipart/related":
                self._related(part, children)
            elif ctype == "multipart/report":
                self._report(children)
            else:
                for child in children:
                    self.visit(child)
            return
        if isinstance(part.get_payload(), list):
            self._attach_message(part)
            return
        disposition = _disposition(part)
        filename = _filename(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            decoded = self._decode(part)
            if ctype == "text/plain":
                self.texts.append(_unflow(decoded, part))
            else:
                self.htmls.append(decoded)
            return
        if (
            ctype == "text/plain"
            and disposition == "inline"
            and filename
            and not (self.texts or self.htmls)
        ):
            # Inline text with a name: some clients use it for the body itself.
            self.texts.append(self._decode(part))
        self._attach(part, ctype, filename)

    def _alternative(self, children: list[Message]) -> None:
        versions = []
        for child in children:
            sub = _Collector(hint=self.hint)
            sub.parts = self.parts
            sub.visit(child)
            self.parts = sub.parts
            versions.append(sub)
        plain = next((v for v in versions if v.text().strip()), None)
        html = next((v for v in reversed(versions) if v.html().strip()), None)
        if plain is None and html is None and versions:
            plain = versions[0]
        chosen = [v for v in versions if v is plain or v is html]
        if plain is not None:
            self.texts.extend(plain.texts)
        if html is not None:
            self.htmls.extend(html.htmls)
        for version in versions:
            if version in chosen or (not version.texts and not version.htmls):
                for attachment in version.attachments:
                    self._add(attachment)
                self.inline.update(version.inline)
            self.bounce = self.bounce or version.bounce

    def _related(self, part: Message, children: list[Message]) -> None:
        if not children:
            return
        start = part.get_param("start", header="content-type")
        root = children[0]
        if isinstance(start, str):
            root = next(
                (c for c in children if (c.get("content-id") or "").strip() == start.strip()), root
            )
        self.visit(root)
        for child in children:
            if child is not root:
                self.visit(child)

    def _report(self, children: list[Message]) -> None:
        recipients: list[str] = []
        status = diagnostic = ""
        original: str | None = None
        permanent = True
        for child in children:
            ctype = _content_type(child)
            if ctype in ("message/delivery-status", "message/global-delivery-status"):
                fields = _delivery_status_fields(child)
                for key, value in fields:
                    if key in ("final-recipient", "original-recipient"):
                        address = value.split(";", 1)[-1].strip().strip("<>")
                        if "@" in address and address not in recipients:
                            recipients.append(address)
                    elif key == "status" and not status:
                        status = value.strip()
                        permanent = not status.startswith("4")
                    elif key == "diagnostic-code" and not diagnostic:
                        diagnostic = " ".join(value.split(";", 1)[-1].split())
                    elif key == "action" and value.strip().lower() == "delayed":
                        permanent = False
            elif ctype in (
                "message/rfc822",
                "text/rfc822-headers",
                "message/global",
                "message/global-headers",
            ):
                original = original or _original_message_id(child)
                self._attach_message(child, name="original-message.eml")
            else:
                self.visit(child)
        self.bounce = Bounce(
            recipients=tuple(recipients),
            status=status,
            diagnostic=diagnostic[:500],
            original_message_id=original,
            permanent=permanent,
        )

    def _decode(self, part: Message) -> str:
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        if not isinstance(data, bytes):
            payload = part.get_payload()
            data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
        declared = _charset(part)
        if not declared and _content_type(part) == "text/html":
            meta = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
            declared = meta.group(1).decode("ascii") if meta else ""
        text = decode_text(data, declared or None, hint=self.hint)
        return clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))

    def _attach(self, part: Message, ctype: str, filename: str) -> None:
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        if not isinstance(data, bytes):
            payload = part.get_payload()
            data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
        name = filename or self._generated_name(ctype)
        attachment = InboundAttachment(_safe_name(name), ctype, data)
        self._add(attachment)
        content_id = (part.get("content-id") or "").strip().strip("<>")
        if content_id:
            self.inline[content_id] = attachment.filename

    def _attach_message(self, part: Message, *, name: str = "") -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        data = b""
        subject = ""
        if isinstance(inner, Message):
            try:
                data = inner.as_bytes(policy=policy.compat32)
            except Exception:
                data = inner.as_string(policy=policy.compat32).encode("utf-8", "replace")
            subject = header_text((inner.get("subject") or "").encode("utf-8", "replace"))
        else:
            raw = part.get_payload(decode=True)
            data = raw if isinstance(raw, bytes) else str(payload).encode("utf-8", "replace")
        if not name:
            name = _filename(part) or (f"{subject[:80]}.eml" if subject else "")
        name = name or self._generated_name("message/rfc822")
        self._add(InboundAttachment(_safe_name(name), "message/rfc822", data))

    def _generated_name(self, ctype: str) -> str:
        main = ctype.split("/", 1)[0]
        stem = {"image": "image", "message": "message", "text": "text"}.get(main, "attachment")
        if ctype == "text/calendar":
            stem = "invite"
        extension = (
            {
                "message/rfc822": ".eml",
                "text/plain": ".txt",
                "image/jpeg": ".jpg",
                "application/octet-stream": ".bin",
            }.get(ctype)
            or mimetypes.guess_extension(ctype)
            or ".bin"
        )
        number = sum(1 for a in self.attachments if a.filename.startswith(stem)) + 1
        return f"{stem}-{number}{extension}"

    def _add(self, attachment: InboundAttachment) -> None:
        name = attachment.filename
        if name in self._names:
            stem, dot, ext = name.rpartition(".")
            if not dot:
                stem, ext = name, ""
            n = 2
            while f"{stem} ({n}){dot}{ext}" in self._names:
                n += 1
            attachment = replace(attachment, filename=f"{stem} ({n}){dot}{ext}")
        self._names.add(attachment.filename)
        self.attachments.append(attachment)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _charset(part: Message) -> str:
    try:
        value = part.get_param("charset", header="content-type")
    except Exception:
        return ""
    if isinstance(value, tuple):  # RFC 2231 form
        value = value[2]
    return value if isinstance(value, str) else ""


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _filename(part: Message) -> str:
    """The part's file name: RFC 2231 or encoded words or raw 8-bit, decoded."""
    name: object = None
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            name = part.get_param("name", header="content-type")
        except Exception:
            name = None
    if isinstance(name, tuple):
        try:
            name = bytes(name[2], "latin-1", "replace").decode(name[0] or "utf-8", "replace")
        except (LookupError, TypeError):
            name = str(name[2])
    if not isinstance(name, str) or not name.strip():
        return ""
    raw = name.encode("utf-8", "surrogateescape")
    return header_text(raw)


def _safe_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".") or "attachment"
    return name[:200]


def _unflow(text: str, part: Message) -> str:
    """format=flowed (RFC 3676): join soft line breaks the way a mail client shows them."""
    try:
        flowed = (part.get_param("format", header="content-type") or "").lower() == "flowed"  # type: ignore[union-attr]
        delsp = (part.get_param("delsp", header="content-type") or "").lower() == "yes"  # type: ignore[union-attr]
    except Exception:
        return text
    if not flowed:
        return text
    out: list[str] = []
    buffer = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line.rstrip() != "--":
            buffer += line[:-1] if delsp else line
            continue
        out.append(buffer + line)
        buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _delivery_status_fields(part: Message) -> list[tuple[str, str]]:
    """Fields of a message/delivery-status part (a list of header blocks)."""
    payload = part.get_payload()
    blocks: list[str] = []
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, Message):
                blocks.append("\n".join(f"{k}: {v}" for k, v in block.items()))
    elif isinstance(payload, str):
        blocks.append(payload)
    fields: list[tuple[str, str]] = []
    for line in re.sub(r"\r?\n[ \t]+", " ", "\n".join(blocks)).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.append((key.strip().lower(), value.strip()))
    return fields


def _original_message_id(part: Message) -> str | None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        ids = message_ids(str(inner.get("message-id") or "").encode("utf-8", "replace"))
        return ids[0] if ids else None
    text = payload if isinstance(payload, str) else ""
    if not text:
        raw = part.get_payload(decode=True)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    found = re.search(r"^Message-ID:\s*(<[^>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
    return found.group(1) if found else None


# --- noise: bounces and auto-replies ----------------------------------------------------------

_DAEMON = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|maildaemon)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|returned mail|failure notice"
    r"|mail delivery (?:failed|failure|system)|delivery (?:has )?failed|could not be delivered"
    r"|не доставлено|недоставленное сообщение|сообщение не доставлено|unzustellbar"
    r"|non remis|no se puede entregar",
    re.IGNORECASE,
)


def _bounce_by_look(
    headers: RawHeaders, senders: list[Address], subject: str, content: _Collector
) -> Bounce | None:
    """A bounce without a proper multipart/report: from the mailer daemon, or a null
    return path, with a subject that says so."""
    sender = senders[0].address if senders else ""
    null_path = (headers.get("return-path") or b"").strip() in (b"<>", b"")
    failed = headers.get("x-failed-recipients")
    if not (
        failed
        or (_DAEMON.match(sender) and _BOUNCE_SUBJECT.search(subject))
        or (null_path and headers.get("return-path") and _BOUNCE_SUBJECT.search(subject))
    ):
        return None
    body = content.text()
    original = None
    match = re.search(r"^\s*Message-ID:\s*(<[^>\s]+>)", body, re.IGNORECASE | re.MULTILINE)
    if match:
        original = match.group(1)
    recipients = [
        a.strip()
        for a in (failed.decode("ascii", "replace").split(",") if failed else [])
        if "@" in a
    ]
    code = re.search(r"\b([45]\.\d{1,3}\.\d{1,3})\b", body)
    return Bounce(
        recipients=tuple(recipients),
        status=code.group(1) if code else "",
        diagnostic="",
        original_message_id=original,
        permanent=not (code and code.group(1).startswith("4")),
    )


_VACATION_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|answer)|autoreply|auto:|out of (?:the )?office"
    r"|abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática"
    r"|resposta automática|risposta automatica|автоответ|автоматический ответ|вне офиса"
    r"|нет на месте|в отпуске|on vacation|away from (?:the )?office)",
    re.IGNORECASE,
)


def _auto_reply_reason(headers: RawHeaders, subject: str) -> str:
    """Why this mail was written by a machine, or "" when a person wrote it."""

    def value(name: str) -> str:
        raw = headers.get(name)
        return raw.decode("ascii", "replace").strip().lower() if raw is not None else ""

    submitted = value("auto-submitted")
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autogenerated"):
        if headers.get(name) is not None and value(name) not in ("no", "false", "0"):
            return f"{name}: {value(name)}"
    suppress = value("x-auto-response-suppress")
    if suppress and any(word in suppress for word in ("oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    for name in ("precedence", "x-precedence"):
        if value(name) in ("bulk", "list", "junk", "auto_reply"):
            return f"Precedence: {value(name)}"
    if _VACATION_SUBJECT.search(subject):
        return f"Subject: {subject[:80]}"
    return ""


# --- HTML kept for agents ------------------------------------------------------------------------

_EMAIL_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup",
    "dd", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "li", "ol", "p", "pre", "s", "small", "span", "strike", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip


def sanitise_html(html: str) -> str:
    """The HTML kept on the message: an allow-list of tags, no styles, scripts, event
    handlers or page title; images only from `cid:` (parts of this mail) or http(s), which
    the workspace does not load unless an agent asks."""
    try:
        return nh3.clean(
            html,
            tags=_EMAIL_TAGS,
            attributes={
                "a": {"href", "title"},
                "img": {"src", "alt", "width", "height"},
                "td": {"colspan", "rowspan"},
                "th": {"colspan", "rowspan"},
            },
            url_schemes={"http", "https", "mailto", "cid"},
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
            clean_content_tags={"script", "style", "title"},
        ).strip()
    except Exception:
        return ""

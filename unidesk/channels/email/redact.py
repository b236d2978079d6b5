"""Redact PII from an e-mail's original before it is stored.

Agents may open "the original" of a mail, but privacy comes first: a card number a customer
typed must not survive in it any more than in the message text. The original keeps its
structure (headers, parts, attachments); its text parts and subject are redacted with the
same rules as the message text (e-mail addresses aside), and a last byte-level pass masks
any Luhn-valid card number left anywhere (in other headers, in parts that could not be
decoded, in a mail that could not be parsed at all).
"""

from __future__ import annotations

import logging
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from unidesk.triage.pii import DEFAULT_DETECTORS, find_cards, find_emails, redact

log = logging.getLogger(__name__)

#: Everything the message text loses except e-mail addresses: a mail's original is full of
#: them (quoted headers, signatures), and they are the contact data the desk keeps anyway.
ORIGINAL_DETECTORS = tuple(d for d in DEFAULT_DETECTORS if d is not find_emails)


def _redact_parts(raw: bytes) -> bytes:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    changed = False
    subject = message.get("Subject")
    if subject is not None:
        red = redact(str(subject), detectors=ORIGINAL_DETECTORS)
        if red.findings:
            message.replace_header("Subject", red.text)
            changed = True
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.is_attachment():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        try:  # strictly: a part that does not decode cleanly is left to the byte pass
            content = payload.decode(part.get_content_charset() or "us-ascii")
        except (LookupError, UnicodeError):
            continue
        red = redact(content, detectors=ORIGINAL_DETECTORS)
        if red.findings:
            disposition = part.get("Content-Disposition")
            part.set_content(red.text, subtype=part.get_content_subtype(), charset="utf-8")
            if disposition is not None and "Content-Disposition" not in part:
                part["Content-Disposition"] = disposition
            changed = True
    return message.as_bytes() if changed else raw


def _mask_cards(raw: bytes) -> bytes:
    # latin-1 maps every byte to one character and back, so nothing else changes.
    text = raw.decode("latin-1")
    findings = list(find_cards(text))
    if not findings:
        return raw
    out, position = [], 0
    for finding in findings:
        digits = [c for c in text[finding.start : finding.end] if c.isdigit()]
        out += [text[position : finding.start], f"[card **** {''.join(digits[-4:])}]"]
        position = finding.end
    out.append(text[position:])
    return "".join(out).encode("latin-1")


def redact_original(raw: bytes) -> bytes:
    """`raw` with PII redacted in its subject and text parts and card numbers masked
    everywhere; never raises (a mail that cannot be parsed still gets the byte pass)."""
    try:
        raw = _redact_parts(raw)
    except Exception:  # a mail the parser cannot rebuild: the byte pass still runs
        log.info("original kept unstructured for redaction", exc_info=True)
    return _mask_cards(raw)

"""Header blocks as they arrive, read the way a careful mail client reads them.

The standard library's strict view is the floor: real mail has raw 8-bit headers (UTF-8,
cp1251, koi8-r), encoded words glued together or split mid-character, encoded words inside
quoted strings, names given as comments (`ann@example.com (Ann Lee)`), header lines with a
space before the colon and stray lines in the middle of the block. This module splits the
block itself (`split_message`), repairs it so that the MIME parser sees every header, and
decodes the headers Unidesk relies on (From, Subject, Message-ID, ...) on its own.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass
from email.utils import getaddresses

from unidesk.channels.email.charsets import decode_text, normalise_charset

_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:(.*)$", re.DOTALL)
# A line break followed by a line of nothing but blanks (looked at, not consumed).
_BLANK = re.compile(rb"\r?\n(?=([ \t]*)(\r?\n))")


@dataclass(frozen=True)
class RawHeaders:
    """The header block as (name, raw value) pairs in order, names lower-cased."""

    items: tuple[tuple[str, bytes], ...]

    def get_all(self, name: str) -> list[bytes]:
        name = name.lower()
        return [value for key, value in self.items if key == name]

    def get(self, name: str) -> bytes | None:
        values = self.get_all(name)
        return values[0] if values else None

    def first(self, name: str) -> bytes | None:
        """The first non-empty value of a header that should appear once (Subject)."""
        values = self.get_all(name)
        return next((value for value in values if value.strip()), values[0] if values else None)


def _lines(block: bytes) -> list[bytes]:
    return block.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")


def split_message(raw: bytes) -> tuple[RawHeaders, bytes, bytes]:
    """(headers, repaired header block, body) of a raw message.

    Repairs: a byte order mark, a leading mbox "From " line and blank lines are dropped;
    an indented first header line is unindented; "Name : value" becomes "Name: value";
    a stray line between two headers continues the previous one; lines after the last
    header that are not continuations start the body (a missing blank line); a line of
    blanks ends the block only when no header follows it. The repaired block ends with
    a blank line, ready to prepend to the body.
    """
    data = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")  # a UTF-8 byte order mark
    if data.startswith(b"From ") and not _HEADER_LINE.match(data.split(b"\n", 1)[0]):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    head, body = data, b""
    for match in _BLANK.finditer(data):
        end = match.end() + len(match.group(1)) + len(match.group(2))
        if match.group(1) and _continues(data[end : data.find(b"\n", end) + 1 or None]):
            continue  # a line of blanks inside a folded header, headers go on after it
        head, body = data[: match.start()], data[end:]
        break
    lines = _lines(head)
    if lines and lines[0][:1] in (b" ", b"\t") and _HEADER_LINE.match(lines[0].lstrip()):
        lines[0] = lines[0].lstrip()  # " From: ...": an indented first header
    last_header = max((i for i, line in enumerate(lines) if _HEADER_LINE.match(line)), default=-1)
    fields: list[list[bytes]] = []
    spill: list[bytes] = []
    for i, line in enumerate(lines):
        header = _HEADER_LINE.match(line)
        if i > last_header and not (line[:1] in (b" ", b"\t") and fields and not spill):
            spill.append(line)  # the body began without a blank line
        elif header and line[:1] not in (b" ", b"\t"):
            fields.append([header.group(1), header.group(2)])
        elif fields:
            fields[-1][1] += (
                b"\n " + line.strip() if line[:1] not in (b" ", b"\t") else b"\n" + line
            )
        elif line.strip():
            spill.append(line)  # junk before the first header: keep it as body
    if spill:
        body = b"\n".join(spill) + (b"\n" + body if body else b"")
    items = tuple(
        (name.decode("ascii", "replace").lower(), _unfold(value).strip()) for name, value in fields
    )
    block = b"".join(name + b":" + value + b"\n" for name, value in fields) + b"\n"
    return RawHeaders(items), block, body


def _continues(line: bytes) -> bool:
    """Whether `line`, after a line of nothing but blanks, still belongs to the header
    block: a folded continuation or another header (mail clients read a blank-looking
    line as the end of the headers only when it is really empty)."""
    line = line.rstrip(b"\r\n")
    return (line[:1] in (b" ", b"\t") and bool(line.strip())) or bool(_HEADER_LINE.match(line))


def _unfold(value: bytes) -> bytes:
    return re.sub(rb"\r?\n(?=[ \t])", b"", value)


# --- RFC 2047 encoded words ----------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")


def _decode_word(charset: str, encoding: str, payload: str) -> bytes:
    if encoding.lower() == "b":
        cleaned = re.sub(r"[^A-Za-z0-9+/=_-]", "", payload).rstrip("=")
        cleaned = cleaned.replace("-", "+").replace("_", "/")
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    # raw 8-bit text inside a Q word (the header's bytes were decoded before the words):
    # back to the bytes the word's own charset gives it
    try:
        data = payload.replace("_", " ").encode(charset or "utf-8")
    except (UnicodeEncodeError, LookupError):
        data = payload.replace("_", " ").encode("utf-8", "replace")
    return quopri.decodestring(data, header=True)


def decode_words(text: str, *, hint: str = "") -> str:
    """Decode RFC 2047 encoded words anywhere in `text` (also inside quotes).

    Adjacent encoded words are joined without the whitespace between them, and their bytes
    are decoded together when they share a charset, so a multi-byte character split across
    two words comes out whole.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_text(b"".join(pending), pending_charset or None, hint=hint))
        pending, pending_charset = [], ""

    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        charset = normalise_charset(match.group(1)) or ""
        if between.strip() or not pending:
            flush()
            out.append(between)
        elif charset != pending_charset:
            flush()
        pending.append(_decode_word(charset, match.group(2), match.group(3)))
        pending_charset = charset
        position = match.end()
    flush()
    out.append(text[position:])
    return "".join(out)


def header_text(value: bytes | None, *, hint: str = "") -> str:
    """A header's value as text: 8-bit bytes decoded (UTF-8, else guessed with `hint`),
    encoded words decoded, folding and runs of whitespace made single spaces."""
    if value is None:
        return ""
    text = decode_text(value, None, hint=hint)
    text = decode_words(text, hint=hint)
    text = text.replace("\x00", "")
    return " ".join(text.split())


# --- addresses ---------------------------------------------------------------------------

_ADDR_SPEC = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9\u0080-\uffff.-]+\.[A-Za-z]{2,}"
)
_ANGLE = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>")


@dataclass(frozen=True)
class Address:
    name: str
    address: str


def _clean_name(name: str, address: str) -> str:
    name = name.strip().strip("\"'").strip()
    name = name.replace('\\"', '"').replace("\\\\", "\\")
    name = " ".join(name.split())
    if name.startswith("(") and name.endswith(")"):
        name = name[1:-1].strip()
    if name.lower() == address.lower() or name.lower() == f"<{address.lower()}>":
        return ""
    return name


def _valid(address: str, *, bracketed: bool = False) -> bool:
    """One @, something either side, no whitespace, except inside a quoted local part
    (`"Ann Lee"@example.com`) or between angle brackets, where senders do put it and mail
    clients show it as written."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or "@" in local.strip('"').replace("\\@", ""):
        return False
    if local.startswith('"') and local.endswith('"') and len(local) > 1:
        local = "x"
    if any(ch.isspace() for ch in domain):
        return False
    return bracketed or not any(ch.isspace() for ch in local)


def _decoded_local_part(address: str) -> str:
    """`=?utf-8?Q?agent?=@example.com` as mail clients show it: an encoded word standing
    for the whole local part is decoded when what it stands for is a plain local part
    (never an @, a space, a quote or a bracket); anything else stays as written."""
    local, _, domain = address.rpartition("@")
    if not _ENCODED_WORD.fullmatch(local):
        return address
    decoded = decode_words(local)
    if not decoded or any(ch.isspace() or ch in '@<>"(),;:[]\\' for ch in decoded):
        return address
    return f"{decoded}@{domain}"


def parse_addresses(value: bytes | None, *, hint: str = "") -> list[Address]:
    """Every mailbox in an address header, display names decoded; groups flattened.

    Structure is read before names are decoded (a decoded name may hold commas or quotes).
    Anything the RFC parser cannot make sense of falls back to the first addr-spec in sight.
    """
    if not value:
        return []
    raw = decode_text(value, None, hint=hint)
    raw = " ".join(raw.split())
    found: list[Address] = []
    name_like = ""
    try:
        pairs = getaddresses([raw])
    except Exception:  # the parser is robust, but never let a header lose the message
        pairs = []
    for name, address in pairs:
        address = " ".join(address.strip().strip("<>").split())
        bracketed = re.search(r"<\s*" + re.escape(address) + r"\s*>", raw) is not None
        if not _valid(address, bracketed=bracketed) or address not in raw:
            continue  # getaddresses() splits a name with an unquoted comma or "<" into junk
        if not bracketed and re.search(re.escape(address) + r"\s*<[^<>]*@", raw):
            name_like = address  # "ann@exam <ann@example.com>": a name written like an address
            continue
        decoded_name = decode_words(name, hint=hint) if name else name_like
        name_like = ""
        address = _decoded_local_part(_strip_mailto(address))
        found.append(Address(_clean_name(decoded_name, address), address))
    angle = _ANGLE.search(raw)
    if found and angle and not any(a.address == _strip_mailto(angle.group(1)) for a in found):
        found = []  # "name@with.at <real@address>": the bracketed address is the mailbox
    return found or _fallback_addresses(raw, hint=hint)


def _strip_mailto(address: str) -> str:
    """`<mailto:ann@example.com>`, as some web forms write it: the address is ann@..."""
    return address[7:] if address[:7].lower() == "mailto:" and "@" in address else address


def _fallback_addresses(raw: str, *, hint: str) -> list[Address]:
    angle = _ANGLE.search(raw)
    if angle:
        address = _strip_mailto(angle.group(1))
        name = decode_words(raw[: angle.start()], hint=hint)
        return [Address(_clean_name(name, address), address)]
    spec = _ADDR_SPEC.search(raw)
    if spec:
        address = spec.group(0)
        rest = (raw[: spec.start()] + " " + raw[spec.end() :]).replace("<>", " ").strip()
        name = decode_words(rest, hint=hint)
        return [Address(_clean_name(name, address), address)]
    return []


# --- message ids -------------------------------------------------------------------------

_MSGID = re.compile(r"<([^<>\s]+)>")


def message_ids(value: bytes | None) -> list[str]:
    """Message-IDs in a header, each as "<id>"; a bare id without brackets is accepted."""
    if not value:
        return []
    text = value.decode("ascii", "replace")
    ids = [f"<{m}>" for m in _MSGID.findall(text)]
    if not ids:
        bare = text.strip().split()
        ids = [f"<{b.strip('<>')}>" for b in bare[:1] if "@" in b or len(b) > 8]
    return [i for i in ids if 2 < len(i) <= 498]

"""Bytes to text the way a careful mail client does it: declared charset first, then a guess.

Mail in the wild declares the wrong charset, none at all, or an alias Python does not know
(`x-unknown`, `ks_c_5601-1987`, `unicode-1-1-utf-7`); headers arrive as raw 8-bit bytes.
`decode_text()` never raises: it tries the declared charset strictly, then UTF-8, then a
guess (Cyrillic single-byte encodings told apart by letter case, other text through
charset-normalizer), and finally decodes with replacement characters.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Charset names seen in real mail that Python does not know, or knows under another name.
_ALIASES = {
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "x-user-defined": "",
    "default": "",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "cp-850": "cp850",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "iso-8859-1": "cp1252",  # what senders mean by latin-1: Windows adds “smart quotes”
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "windows-1252": "cp1252",
    "cp-1251": "cp1251",
    "win-1251": "cp1251",
    "koi8r": "koi8-r",
    "koi8-u": "koi8-u",
    "8bit": "",
    "none": "",
}
_CYRILLIC_SINGLE_BYTE = ("cp1251", "koi8-r", "mac-cyrillic", "iso-8859-5", "cp866", "koi8-u")


def normalise_charset(name: str | None) -> str:
    """A codec name Python can use, or "" when the declaration is useless."""
    if not name:
        return ""
    cleaned = name.strip().strip("\"'").lower()
    cleaned = cleaned.split("*", 1)[0]  # RFC 2231 language tag: utf-8*en
    if cleaned in _ALIASES:
        return _ALIASES[cleaned]
    try:
        return codecs.lookup(cleaned).name
    except LookupError:
        if cleaned.startswith(("windows-", "win-")):
            try:
                return codecs.lookup("cp" + cleaned.rsplit("-", 1)[-1]).name
            except LookupError:
                return ""
        return ""


def _strict(data: bytes, charset: str) -> str | None:
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


_CYR_LOWER = re.compile("[а-яё]")
_CYR_UPPER = re.compile("[А-ЯЁ]")


def _cyrillic_score(text: str) -> float:
    """How much `text` reads like Russian: lower-case Cyrillic letters dominate in real
    text; the same bytes read in the wrong one of cp1251/koi8-r come out upper case."""
    lower = len(_CYR_LOWER.findall(text))
    upper = len(_CYR_UPPER.findall(text))
    odd = sum(1 for ch in text if ord(ch) >= 0x80 and not ("\u0400" <= ch <= "\u04ff"))
    return lower - 0.5 * upper - 2 * odd


def guess_charset(data: bytes, *, hint: str = "") -> str:
    """The most likely charset of 8-bit `data` that is not valid UTF-8."""
    hint = normalise_charset(hint)
    candidates: list[str] = []
    if hint and hint not in ("ascii", "utf-8"):
        candidates.append(hint)
    high = sum(1 for b in data if b >= 0x80)
    if high:
        best = max(
            _CYRILLIC_SINGLE_BYTE[:3], key=lambda cs: _cyrillic_score(data.decode(cs, "replace"))
        )
        best_text = data.decode(best, "replace")
        cyrillic_letters = len(_CYR_LOWER.findall(best_text)) + len(_CYR_UPPER.findall(best_text))
        if cyrillic_letters >= max(2, high * 0.6) and _cyrillic_score(best_text) > 0:
            if hint in _CYRILLIC_SINGLE_BYTE and _cyrillic_score(
                data.decode(hint, "replace")
            ) >= _cyrillic_score(best_text):
                return hint
            return best
    if candidates:
        return candidates[0]
    if len(data) >= 16:
        match = from_bytes(data).best()
        if match is not None and match.encoding:
            return normalise_charset(match.encoding) or "cp1252"
    return "cp1252"


def decode_text(data: bytes, declared: str | None = None, *, hint: str = "") -> str:
    """Decode `data` from a declared charset, never raising.

    A declaration that fails (or "us-ascii" on 8-bit bytes) falls back to UTF-8, then a
    guess; `hint` is another charset from the same message (a part's for its headers).
    """
    charset = normalise_charset(declared)
    if charset and charset not in ("ascii",):
        text = _strict(data, charset)
        if text is not None:
            return text
    if data.isascii():
        return data.decode("ascii")
    text = _strict(data, "utf-8")
    if text is not None:
        return text
    guessed = guess_charset(data, hint=charset or hint)
    return data.decode(guessed, "replace")

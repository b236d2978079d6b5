"""Bytes to text the way a careful mail client does it: declared charset first, then a guess.

Mail in the wild declares the wrong charset, none at all, or an alias Python does not know
(`x-unknown`, `ks_c_5601-1987`, `unicode-1-1-utf-7`); headers arrive as raw 8-bit bytes
(GBK, Shift_JIS, cp1251, koi8-r, latin-1), often in another charset than the body declares.
`decode_text()` never raises: it tries the declared charset strictly, then UTF-8, then the
most plausible of a set of candidates (`guess_charset`: each decodes the bytes, the text
that reads most like one language wins, see `plausibility`), and decodes with replacement
characters where even that fails.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

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
        if charset.startswith("iso2022_jp"):
            return _iso2022jp_windows(data)
        return None


_ISO2022JP_ESCAPE = re.compile(rb"\x1b(\$[@B]|\([BJI])")


def _iso2022jp_windows(data: bytes) -> str | None:
    """ISO-2022-JP as Windows and mail clients read it (CP50220): JIS X 0208 plus the NEC
    and IBM extensions Python's codec lacks (№, ①, Ⅰ, ㈱ ...), via Shift_JIS."""
    out = bytearray()
    mode = b"(B"
    for i, chunk in enumerate(_ISO2022JP_ESCAPE.split(data)):
        if i % 2:
            mode = chunk
            continue
        if mode in (b"$@", b"$B"):
            if len(chunk) % 2:
                return None
            for j in range(0, len(chunk), 2):
                j1, j2 = chunk[j], chunk[j + 1]
                if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
                    return None
                out.append(((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0))
                out.append(j2 + (0x1F if j2 <= 0x5F else 0x20) if j1 % 2 else j2 + 0x7E)
        elif mode == b"(I":
            out.extend(b + 0x80 for b in chunk if 0x21 <= b <= 0x5F)
        else:
            out.extend(chunk)
    try:
        return bytes(out).decode("cp932")
    except UnicodeDecodeError:
        return None


# Candidates tried for 8-bit text that declares no usable charset (or a wrong one), in
# order of preference on a tie: the common single-byte code pages, then the CJK ones.
_CANDIDATES = (
    "cp1252", "cp1251", "koi8-u", "cp1250", "iso-8859-2", "cp866", "cp1253", "cp1254",
    "gb18030", "big5", "cp932", "euc-jp", "cp949",
)  # fmt: skip
# koi8-u is koi8-r plus the Ukrainian letters where koi8-r has box drawing; cp866 is the
# DOS Cyrillic of old mail.
# A 7-bit charset on 8-bit bytes means its 8-bit sibling (iso-2022-jp mail with raw
# Shift_JIS headers is common).
_FAMILY = {
    "iso2022_jp": ("cp932", "euc-jp"),
    "iso2022_jp_2": ("cp932", "euc-jp"),
    "iso2022_kr": ("cp949",),
    "hz": ("gb18030",),
    "shift_jis": ("cp932",),
    "euc_jp": ("euc-jp", "cp932"),
    "gb2312": ("gb18030",),
    "euc_kr": ("cp949",),
    "latin_1": ("cp1252",),
    "iso8859-1": ("cp1252",),
}
_SCRIPTS = (
    ("latin", 0x00C0, 0x024F),
    ("greek", 0x0370, 0x03FF),
    ("cyrillic", 0x0400, 0x04FF),
    ("hebrew", 0x0590, 0x05FF),
    ("arabic", 0x0600, 0x06FF),
    ("thai", 0x0E00, 0x0E7F),
    ("hangul", 0x1100, 0x11FF),
    ("cjk", 0x2E80, 0x9FFF),  # CJK punctuation, kana, ideographs
    ("hangul", 0xAC00, 0xD7AF),
    ("cjk", 0xF900, 0xFAFF),
    ("cjk", 0xFF00, 0xFFEF),  # full- and half-width forms
)
# Cyrillic letters of Serbian, Macedonian and Belarusian: in cp1251 they sit where cp1252
# has its punctuation and accents, so they are mostly a sign of a wrong reading.
_RARE_LETTERS = set("ЂЃЉЊЌЋЏђѓљњќћџЎўЈјЅѕΰΐΆΈΉΊΌΎΏ")  # and Greek ones, likewise
# The accented letters of the languages written in Latin script: the letters of a text
# read in the right code page come from one of them ("reçu ... très"), a wrong code page
# mixes them ("reçu ... trčs", "jeątě").
_LATIN_ALPHABETS = tuple(
    set(letters)
    for letters in (
        "äöüß", "àâæçéèêëîïôœùûüÿ", "áéíñóúü", "ãõáâàçéêíóôú", "àèéìíîòóù", "åäöæøé",
        "ąćęłńóśźż", "áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "áéíóöőúüű", "ăâîșțşţ",
        "čćđšž", "çğıöşü", "āčēģīķļņšūž", "ąčęėįšųūž", "ðþæöáéíóúý",
    )
)  # fmt: skip
# Symbols written next to a number: "100 €", "5 °C", "№ 12", "§ 3".
_NUMBER_SYMBOLS = set("€£¥°§№%")
# Non-letters that real text in a single-byte code page does contain.
_COMMON_SYMBOLS = set("°«»–—‘’“”„…•€£§©®±²³µ¶·×÷¿¡¢¥ªº¼½¾№")


def _script(ch: str) -> str:
    code = ord(ch)
    for name, low, high in _SCRIPTS:
        if low <= code <= high:
            return name
    return "other"


def _ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


_MULTI_BYTE = {"gb18030", "big5", "cp932", "euc_jp", "cp949"}


def _cjk_weight(ch: str, charset: str) -> float:
    """Per byte: 1 for the characters everyday text is made of (GB2312 and Big5 level 1,
    kana and JIS level 1, KS X 1001 hangul), less for rarer ones. Text in a single-byte
    code page read as CJK comes out as rare characters and stray half-width kana."""
    code = ord(ch)
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:
        return 1.0  # CJK and full-width punctuation
    if 0xFF61 <= code <= 0xFF9F:
        return 0.1  # half-width katakana: single bytes 0xA1-0xDF
    base = {"gb18030": "gb2312", "big5": "big5", "cp932": "shift_jis", "euc_jp": "shift_jis",
            "cp949": "euc_kr"}.get(charset, "")  # fmt: skip
    try:
        lead = ch.encode(base)[0] if base else 0
    except UnicodeEncodeError:
        return 0.1
    if charset == "gb18030":
        return 1.0 if 0xB0 <= lead <= 0xD7 else 0.6 if 0xD8 <= lead <= 0xF7 else 0.2
    if charset == "big5":
        return 1.0 if 0xA4 <= lead <= 0xC6 else 0.6 if 0xC9 <= lead <= 0xF9 else 0.2
    if charset in ("cp932", "euc_jp"):
        if 0x3040 <= code <= 0x30FF:
            return 1.2  # kana: only Japanese is written with it
        return 1.0 if 0x88 <= lead <= 0x98 else 0.6 if 0x99 <= lead <= 0xEA else 0.2
    if 0xAC00 <= code <= 0xD7AF:
        return 1.0 if 0xB0 <= lead <= 0xC8 else 0.3
    return 0.4


def _near_digit(text: str, i: int) -> bool:
    """A digit right before or after position i, or one space away."""
    around = text[max(0, i - 2) : i] + text[i + 1 : i + 3]
    return any(ch.isdigit() for ch in around)


def plausibility(text: str, charset: str = "") -> float:
    """How much `text` (decoded from 8-bit bytes with `charset`) reads like a human
    language, per non-ASCII byte: letters of one script that sit well with their
    neighbours score; stray symbols, control and replacement characters, case flips
    inside words, letters of another script glued to Latin ones and rare CJK characters
    cost. The same bytes decoded in the wrong code page come out as mojibake, which
    scores low."""
    score = 0.0
    high = 0
    scripts: set[str] = set()
    accented: list[str] = []
    multi_byte = codecs.lookup(charset).name in _MULTI_BYTE if charset else False
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        width = len(ch.encode(charset, "replace")) if multi_byte else 1
        high += width
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < len(text) else " "
        category = unicodedata.category(ch)
        if ch == "\ufffd" or category in ("Cc", "Cf", "Co", "Cn", "Cs"):
            score -= 4 * width
            continue
        script = _script(ch)
        glued = _ascii_letter(prev) or _ascii_letter(nxt)
        if script in ("cjk", "hangul"):
            if category.startswith("L"):
                scripts.add("cjk")
            if _ascii_letter(prev) and _ascii_letter(nxt):
                score -= 3 * width  # never in the middle of a Latin word
            else:
                score += width * (_cjk_weight(ch, codecs.lookup(charset).name) if charset else 1)
        elif category.startswith("L"):
            scripts.add(script)
            if script == "latin":
                accented.append(ch.lower())
                if glued:
                    score += 1
                elif not prev.isalpha() and not nxt.isalpha():
                    score += 0.5
                # a run of accented letters ("żółć") scores nothing; mojibake runs
                # ("ÕûÌå") pay for their case flips below
            elif glued:
                score -= 1.5  # a Cyrillic or Greek letter inside a Latin word
            else:
                # capitals inside a word are rarer than small letters (a koi8-r text read
                # as cp1251 comes out in capitals); a capital standing alone ("Ђ 100") is
                # rarely a word
                alone = not prev.isalpha() and not nxt.isalpha()
                weight = 0.8 if (ch.isupper() and (alone or prev.isalpha())) else 1
                score += weight * (0.3 if ch in _RARE_LETTERS else 1) * (0.5 if alone else 1)
            if ch.isupper() and prev.isalpha() and prev.islower():
                score -= 1.5  # "пРИВЕТ", "ÕûÌå": a case flip inside a word
            elif ch.islower() and prev.isupper() and i > 1 and text[i - 2].isupper():
                score -= 1  # "ХЕИэ": capitals, then small letters within a word
        elif category.startswith(("N", "Z", "M")):
            continue
        elif ch in _NUMBER_SYMBOLS and (_near_digit(text, i)):
            score += 0.5
        elif ch in _COMMON_SYMBOLS:
            score -= 0.25
        else:
            score -= 1.5
    if not high:
        return 0.0
    if accented:  # accented letters no single language has together
        score -= len(accented) - max(
            sum(ch in alphabet for ch in accented) for alphabet in _LATIN_ALPHABETS
        )
    return score / high - 1.5 * max(0, len(scripts) - 1)


def _sample(data: bytes, size: int = 8192) -> bytes:
    if len(data) <= size:
        return data
    cut = data.rfind(b"\n", 0, size)
    return data[: cut if cut > size // 2 else size]


def guess_charset(data: bytes, *, hint: str = "") -> str:
    """The most plausible charset of 8-bit `data` that is not valid UTF-8: every candidate
    (the hint and its 8-bit siblings first, charset-normalizer's pick for longer text, the
    usual code pages) decodes a sample, the one that reads most like language wins; the
    hint wins ties."""
    hint = normalise_charset(hint)
    hint_key = codecs.lookup(hint).name if hint else ""
    preferred: list[str] = []
    if hint and hint not in ("ascii", "utf-8"):
        preferred.extend(_FAMILY.get(hint_key, ()) or (hint,))
    sample = _sample(data)
    candidates = list(dict.fromkeys([*preferred, *_CANDIDATES]))
    match = from_bytes(sample).best()
    detected = normalise_charset(match.encoding) if match is not None else ""
    if detected in ("ascii", "utf-8"):
        detected = ""
    if detected and detected not in candidates and len(sample) >= 64:
        candidates.insert(len(preferred), detected)
    best, best_score = "cp1252", float("-inf")
    for charset in candidates:
        try:
            text = sample.decode(charset, "replace")
            name = codecs.lookup(charset).name
        except LookupError:
            continue
        score = plausibility(text, charset)
        if charset in preferred:
            score += 0.2
        if detected and name == codecs.lookup(detected).name:
            # charset-normalizer's pick breaks ties (gb18030 or cp949?); among the Latin
            # code pages it often picks a sibling, so there it only tips a dead heat
            score += 0.1 if name in _MULTI_BYTE else 0.05
        if name in _MULTI_BYTE and charset not in preferred:
            score -= 0.2  # any bytes read as some CJK: it has to be clearly better
        if score > best_score + 1e-9:
            best, best_score = charset, score
    return best


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

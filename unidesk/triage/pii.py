"""Find and redact customer PII (cards, CVV, IBAN, e-mail, phone, RU passport/SNILS/INN) in text."""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import phonenumbers

__all__ = [
    "CONTEXT_WINDOW",
    "DEFAULT_DETECTORS",
    "DEFAULT_PHONE_REGION",
    "Detector",
    "PiiFinding",
    "Redaction",
    "find_cards",
    "find_cvv",
    "find_emails",
    "find_ibans",
    "find_inns",
    "find_phones",
    "find_ru_passports",
    "find_snils",
    "iban_valid",
    "inn_valid",
    "luhn_valid",
    "redact",
    "snils_valid",
]

# Region(s) used to read phone numbers written without "+<country code>" when the caller
# passes default_region=None: ISO 3166 codes, several joined by commas ("RU,BR,PT") for a
# desk whose customers live in several countries.  Most customers of this desk are in
# Russia/CIS, so "8 (912) 345-67-89" must be caught.  The desk sets it from
# UNIDESK_PHONE_REGIONS at start-up (triage.apps).  Pass default_region="ZZ"
# (phonenumbers' "unknown region") to accept only international "+..." numbers.
DEFAULT_PHONE_REGION = "RU"

# How many characters before a number are searched for context words (паспорт, ИНН, CVV...).
CONTEXT_WINDOW = 30

# A redaction pass can make a neighbouring number "stand alone" (e.g. a passport number that
# was glued to a card number); redact() re-scans its own output until nothing new is found.
_MAX_PASSES = 4


@dataclass(frozen=True)
class PiiFinding:
    """One piece of PII: its kind and its [start, end) offsets in the original text."""

    type: str
    start: int
    end: int


@dataclass(frozen=True)
class Redaction:
    """The redacted text and what was removed from the original (sorted by start)."""

    text: str
    findings: tuple[PiiFinding, ...]


class Detector(Protocol):
    """A PII detector: yields findings (offsets into ``text``); may overlap, redact() resolves.

    ``region`` is the ISO 3166 region used for numbers written in national format (or
    several, joined by commas: the desk's UNIDESK_PHONE_REGIONS).
    A plain function ``def find_x(text: str, *, region: str) -> Iterator[PiiFinding]`` fits.
    """

    def __call__(self, text: str, /, *, region: str) -> Iterable[PiiFinding]: ...


# --------------------------------------------------------------------------- checksums


def luhn_valid(digits: str) -> bool:
    """True if the ASCII digit string passes the Luhn (mod 10) check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# Lengths from the SWIFT IBAN registry (RU is the 2021 national extension).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def iban_valid(iban: str) -> bool:
    """True for a compact IBAN (no spaces) of a registry country with a valid mod-97 check."""
    iban = iban.upper()
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isascii() or not iban.isalnum():
        return False
    if not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def snils_valid(digits: str) -> bool:
    """True for 11 SNILS digits with the Pension Fund checksum (none below 001-001-998)."""
    if len(digits) != 11 or not (digits.isascii() and digits.isdigit()):
        return False
    number, check = digits[:9], int(digits[9:])
    if int(number) <= 1001998:
        return True
    total = sum(int(d) * weight for d, weight in zip(number, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    return (0 if total in (100, 101) else total) == check


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_valid(digits: str) -> bool:
    """True for a 10-digit (organisation) or 12-digit (person) INN with valid control digits."""
    if not (digits.isascii() and digits.isdigit()):
        return False
    if len(digits) == 10:
        return _inn_digit(digits, _INN10_WEIGHTS) == int(digits[9])
    if len(digits) == 12:
        return _inn_digit(digits, _INN11_WEIGHTS) == int(digits[10]) and _inn_digit(
            digits, _INN12_WEIGHTS
        ) == int(digits[11])
    return False


# --------------------------------------------------------------------------- shared patterns

# One separator between digit groups: space, no-break spaces, hyphen and dash look-alikes.
_SEP_CHARS = " \u00a0\u2009\u202f\u2010\u2011\u2012\u2013-"
_SEP = f"[{_SEP_CHARS}]"
# A maximal run of ASCII digit groups joined by single separators.  Letters may touch it
# (so "карта:4111..." or "No4111..." are still scanned); other digits may not.
_CHAIN_RE = re.compile(rf"(?<![0-9])[0-9]+(?:{_SEP}[0-9]+)*")
_DIGITS_RE = re.compile("[0-9]+")
# A number that stands alone: not glued to letters/digits, not one group of a longer chain.
_ALONE_BEFORE = rf"(?<![\w+])(?<![0-9]{_SEP})"
_ALONE_AFTER = rf"(?!\w)(?!{_SEP}[0-9])"


def _has_context(text: str, start: int, pattern: re.Pattern[str]) -> bool:
    return pattern.search(text, max(0, start - CONTEXT_WINDOW), start) is not None


def _digit_count(text: str, start: int, end: int) -> int:
    return sum(1 for char in text[start:end] if "0" <= char <= "9")


# --------------------------------------------------------------------------- detectors


# Between the groups of a card number: up to three spaces, or a dash with up to two spaces
# on either side: "4111  1111 - 1111 1111". Not a line break: two phone numbers on two
# lines would read as one card.
_SPACES = "[ \t\u00a0\u2009\u202f]"
_CARD_GAP = rf"(?:{_SPACES}{{1,3}}|{_SPACES}{{0,2}}[-\u2010-\u2013]{_SPACES}{{0,2}})"
_CARD_CHAIN_RE = re.compile(rf"(?<![0-9])[0-9]+(?:{_CARD_GAP}[0-9]+)*")


def find_cards(text: str, /, *, region: str = DEFAULT_PHONE_REGION) -> Iterator[PiiFinding]:
    """Luhn-valid runs of 13-19 digits, written together or in groups with any spacing or
    dashes between them (``_CARD_GAP``), or printed in fours with dots.

    Every run of consecutive whole groups inside a digit chain is tried, so a card glued to
    an unrelated number ("x2 4111 1111 1111 1111") is still found; candidates may overlap.
    """
    for chain in _CARD_CHAIN_RE.finditer(text):
        if chain.end() - chain.start() < 13:
            continue
        groups = [(m.start(), m.end()) for m in _DIGITS_RE.finditer(text, *chain.span())]
        for i, (first_start, _) in enumerate(groups):
            digits = ""
            for group_start, group_end in itertools.islice(groups, i, i + 19):
                digits += text[group_start:group_end]
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn_valid(digits):
                    yield PiiFinding("card", first_start, group_end)
    for match in _DOTTED_CARD_RE.finditer(text):
        if luhn_valid(match.group().replace(".", "")):
            yield PiiFinding("card", match.start(), match.end())


# "4111.1111.1111.1111": dots only in the printed four-by-four grouping (amounts and
# version numbers group by three or less).
_DOTTED_CARD_RE = re.compile(
    r"(?<![0-9.])[0-9]{4}(?:\.[0-9]{4}){3}(?:\.[0-9]{1,3})?(?![0-9]|\.[0-9])"
)


_CVV_CONTEXT_RE = re.compile(
    r"\b(?:cvv2?|cvc2?|cvn2?|cav2|cid|csc|свв|свс|цвв)\b"
    r"|security\s+code|card\s+verification|verification\s+value"
    r"|код\w*\s+безопасности|на\s+обороте|обратной\s+сторон|(?:тр[её]х|3-?х)\s*значн\w*\s+код",
    re.IGNORECASE,
)
_CVV_RE = re.compile(rf"(?<![\w+/.,]){_ALONE_BEFORE}[0-9]{{3,4}}(?!\w)(?![./,{_SEP_CHARS}][0-9])")
# "CVV2 123", "cvc2 - 123": the 2 belongs to the code's name, not to a longer number.
_CVV_NAMED_RE = re.compile(
    rf"\b(?:cvv|cvc|cvn|cav)2{_SEP}+([0-9]{{3,4}})(?!\w)(?![./,{_SEP_CHARS}][0-9])", re.IGNORECASE
)


def find_cvv(text: str, /, *, region: str = DEFAULT_PHONE_REGION) -> Iterator[PiiFinding]:
    """3-4 digit codes with a CVV/CVC context word (EN/RU) just before them."""
    for match in _CVV_RE.finditer(text):
        if _has_context(text, match.start(), _CVV_CONTEXT_RE):
            yield PiiFinding("cvv", match.start(), match.end())
    for match in _CVV_NAMED_RE.finditer(text):
        yield PiiFinding("cvv", match.start(1), match.end(1))


_IBAN_RE = re.compile(r"(?<![^\W_])[A-Za-z]{2}[0-9]{2}(?:[ \u00a0-]?[0-9A-Za-z]){11,32}")


def find_ibans(text: str, /, *, region: str = DEFAULT_PHONE_REGION) -> Iterator[PiiFinding]:
    """IBANs of registry countries, compact or in groups (spaces or dashes), mod-97 valid."""
    for match in _IBAN_RE.finditer(text):
        positions = [i for i in range(*match.span()) if text[i].isalnum()]
        length = _IBAN_LENGTHS.get(text[match.start() : match.start() + 2].upper())
        if length is None or len(positions) < length:
            continue
        end = positions[length - 1] + 1
        if end < len(text) and text[end].isalnum():
            continue  # the IBAN would end in the middle of a word or group
        if iban_valid("".join(text[i] for i in positions[:length])):
            yield PiiFinding("iban", match.start(), end)


_EMAIL_CHAR = r"[\w!#$%&'*+/=?^`{|}~-]"
# Starts only at the beginning of a run of local-part characters and never backtracks, so
# a long word without "@" costs linear time.
_EMAIL_LOCAL = rf"(?<!{_EMAIL_CHAR}){_EMAIL_CHAR}++(?:\.{_EMAIL_CHAR}++)*+"
_EMAIL_DOMAIN = r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:xn--[\w-]{1,59}|[^\W\d_]{2,63})"
# Spaces around the "@" are allowed ("ivan.petrov @ gmail.com": a harvester's dodge).
_EMAIL_RE = re.compile(f"{_EMAIL_LOCAL}[ \t]*@[ \t]*{_EMAIL_DOMAIN}")


# Addresses spelled out against harvesters: "ivan [at] mail [dot] ru", "ivan(at)mail.ru",
# "ivan собака mail.ru". Only bracketed words or "собака" (the Russian name of "@") count:
# a bare "at" is an English word.
_AT = r"(?:\s*[\[({<]\s*(?:at|@|собака)\s*[\])}>]\s*|\s+собака\s+)"
_DOT = r"(?:\s*[\[({<]\s*(?:dot|точка)\s*[\])}>]\s*|\.)"
_SPELLED_AT_RE = re.compile(_AT, re.IGNORECASE)  # the cheap question first
_SPELLED_EMAIL_RE = re.compile(
    rf"(?<![\w.+-])[a-z0-9._+-]+{_AT}(?:[a-z0-9][a-z0-9-]*{_DOT})+[a-z]{{2,63}}(?![\w-])",
    re.IGNORECASE,
)


def find_emails(text: str, /, *, region: str = DEFAULT_PHONE_REGION) -> Iterator[PiiFinding]:
    """E-mail addresses, including Unicode (IDN) local parts and domains, and addresses
    spelled out ("ivan [at] mail [dot] ru")."""
    if "@" in text:
        for match in _EMAIL_RE.finditer(text):
            yield PiiFinding("email", match.start(), match.end())
    if _SPELLED_AT_RE.search(text):
        for match in _SPELLED_EMAIL_RE.finditer(text):
            yield PiiFinding("email", match.start(), match.end())


# Words that name a phone number. Each starts a word: "пользователь 12345678" holds "тел".
_PHONE_CONTEXT_RE = re.compile(
    r"(?<!\w)(?:тел\b|тел\.|телефон|tel\b|tel\.|telephone|моб|phone|mobile|cell|call|звон"
    r"|позвон|перезвон|дозвон|whats\s*app|ватсап|вотсап|viber|вайбер|telegram|телеграм|sms"
    r"|смс|связ|contact)",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile("[0-9]")
_IDD_00_REGION = "DE"  # any region whose international prefix is 00
_PLUS_DIGIT_RE = re.compile(r"\+\s*\(?[0-9]")
_ANY_DIGIT_RE = re.compile(r"\d")


def find_phones(text: str, /, *, region: str = DEFAULT_PHONE_REGION) -> Iterator[PiiFinding]:
    """Valid phone numbers (phonenumbers, leniency VALID) read with ``region`` as default
    (several regions joined by commas: a national number valid in any of them counts),
    and numbers of a possible length written with "+" and a country code.

    Skips a match that is only part of a digit chain of 13+ digits (cards, order numbers),
    and a bare 10-digit-or-shorter national number without a phone context word
    ("заказ 9123456789" is an order, "тел 9123456789" is a phone).
    """
    if len(_ANY_DIGIT_RE.findall(text)) < 7:
        return
    long_chains = [m.span() for m in _CHAIN_RE.finditer(text) if m.end() - m.start() >= 13]
    long_chains = [(s, e) for s, e in long_chains if _digit_count(text, s, e) >= 13]
    matches: list[phonenumbers.PhoneNumberMatch] = []

    def add(found: Iterable[phonenumbers.PhoneNumberMatch]) -> None:
        # The first region to read a number keeps it; later readings may not overlap it.
        taken = [(m.start, m.end) for m in matches]
        matches.extend(m for m in found if not any(s < m.end and m.start < e for s, e in taken))

    regions = [code for code in region.split(",") if code] or ["ZZ"]
    for code in regions:
        add(phonenumbers.PhoneNumberMatcher(text, code, leniency=phonenumbers.Leniency.VALID))
    if "00" in text and _IDD_00_REGION not in regions:
        # "0049 30 1234567": 00 is the international prefix in most of the world (though
        # not in every default region: Russia's is 810), so read such numbers as "+49...".
        add(
            m
            for m in phonenumbers.PhoneNumberMatcher(
                text, _IDD_00_REGION, leniency=phonenumbers.Leniency.VALID
            )
            if m.raw_string.startswith("00")
        )
    if any(
        not any(m.start <= plus.start() < m.end for m in matches)
        for plus in _PLUS_DIGIT_RE.finditer(text)
    ):
        # Written with its country code, a number of a possible length is a phone even where
        # the library's numbering plan does not know its range yet (a new mobile or city
        # code): "+7 727 123 4567". Ten digits at least: "+2024-03-15" is a date. (Read only
        # when a "+" number is left over: a second scan costs a third of the first.)
        add(
            m
            for m in phonenumbers.PhoneNumberMatcher(
                text, "ZZ", leniency=phonenumbers.Leniency.POSSIBLE
            )
            if m.raw_string.startswith("+") and len(_ANY_DIGIT_RE.findall(m.raw_string)) >= 10
        )
    spans: list[tuple[int, int]] = []
    for match in sorted(matches, key=lambda m: m.start):
        start, end = match.start, match.end
        if any(s < end and start < e and (s < start or e > end) for s, e in long_chains):
            continue
        raw = match.raw_string
        if raw.isdigit() and len(raw) <= 10 and not _has_context(text, start, _PHONE_CONTEXT_RE):
            continue
        spans.append((start, end))
        yield PiiFinding("phone", start, end)
    if regions != ["ZZ"]:
        yield from _phones_by_context(text, spans, long_chains)


# A number written the way phones are (digits, spaces, dashes, brackets; no dots or colons,
# which dates and times use), 7 to 15 digits: a phone when a phone word comes just before it.
_PHONE_SHAPE_RE = re.compile(r"(?<![\w+.,/:-])\(?[0-9][0-9 \u00a0()-]{5,22}[0-9](?![\w.,/:]?[0-9])")
_ISO_DATE_RE = re.compile(r"(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}")
_NOT_A_PHONE_RE = re.compile(
    r"order|заказ|№|#|invoice|счет|счёт|договор|contract|ticket|тикет|заявк|code|код|id\b",
    re.IGNORECASE,
)


def _phones_by_context(
    text: str, taken: list[tuple[int, int]], long_chains: list[tuple[int, int]]
) -> Iterator[PiiFinding]:
    """Numbers no region's numbering plan reads ("my phone is 07911 123456" on a desk in
    Russia) that a phone word names: right after "тел", "phone", "call me"..., with no
    order or contract word between. Privacy first: a foreign customer's number is still
    theirs."""
    for match in _PHONE_SHAPE_RE.finditer(text):
        start, end = match.span()
        digits = _digit_count(text, start, end)
        if not 7 <= digits <= 15 or any(s < end and start < e for s, e in taken + long_chains):
            continue
        if _ISO_DATE_RE.fullmatch(match.group()):
            continue
        before = text[max(0, start - CONTEXT_WINDOW) : start]
        names = list(_PHONE_CONTEXT_RE.finditer(before))
        if not names:
            continue
        after_name = names[-1].end()  # the nearest phone word; nothing else may stand
        if _NOT_A_PHONE_RE.search(before, after_name) or _DIGIT_RE.search(before, after_name):
            continue  # between it and the number: no order word, no other number
        yield PiiFinding("phone", start, end)


_PASSPORT_CONTEXT_RE = re.compile(r"паспорт|сери[яи]|passport", re.IGNORECASE)
_PASSPORT_RE = re.compile(
    rf"{_ALONE_BEFORE}[0-9]{{2}}[ \u00a0]?[0-9]{{2}}"
    r"(?:[ \u00a0]?|[ \u00a0]*(?:№|номер|no\.?)[ \u00a0]*)"
    rf"[0-9]{{6}}{_ALONE_AFTER}",
    re.IGNORECASE,
)


def find_ru_passports(text: str, /, *, region: str = DEFAULT_PHONE_REGION) -> Iterator[PiiFinding]:
    """Russian passport series+number (``45 06 123456``, ``4506 № 123456``) with context."""
    for match in _PASSPORT_RE.finditer(text):
        if _has_context(text, match.start(), _PASSPORT_CONTEXT_RE):
            yield PiiFinding("ru_passport", match.start(), match.end())


_SNILS_RE = re.compile(
    rf"{_ALONE_BEFORE}[0-9]{{3}}[- \u00a0]?[0-9]{{3}}[- \u00a0]?[0-9]{{3}}[- \u00a0]?[0-9]{{2}}"
    rf"{_ALONE_AFTER}"
)


def find_snils(text: str, /, *, region: str = DEFAULT_PHONE_REGION) -> Iterator[PiiFinding]:
    """SNILS ``123-456-789 64`` or 11 bare digits, with a valid checksum (no context needed)."""
    for match in _SNILS_RE.finditer(text):
        if snils_valid("".join(_DIGIT_RE.findall(match.group()))):
            yield PiiFinding("snils", match.start(), match.end())


_INN_CONTEXT_RE = re.compile(r"\b(?:инн|inn|tin)\b", re.IGNORECASE)
_INN_RE = re.compile(rf"{_ALONE_BEFORE}(?:[0-9]{{12}}|[0-9]{{10}}){_ALONE_AFTER}")


def find_inns(text: str, /, *, region: str = DEFAULT_PHONE_REGION) -> Iterator[PiiFinding]:
    """INN with valid control digits; a 10-digit one also needs "ИНН"/"INN" just before it.

    Ten digits have a single control digit (1 in 10 random numbers pass), so they need
    context; twelve digits have two (1 in 100), which is accepted on the checksum alone.
    """
    for match in _INN_RE.finditer(text):
        digits = match.group()
        if not inn_valid(digits):
            continue
        if len(digits) == 10 and not _has_context(text, match.start(), _INN_CONTEXT_RE):
            continue
        yield PiiFinding("inn", match.start(), match.end())


# Order matters only to break ties between equally long findings at the same offset.
DEFAULT_DETECTORS: tuple[Detector, ...] = (
    find_cards,
    find_ibans,
    find_emails,
    find_snils,
    find_inns,
    find_ru_passports,
    find_cvv,
    find_phones,
)

# --------------------------------------------------------------------------- redaction

_TOKENS = {
    "cvv": "[cvv]",
    "iban": "[iban]",
    "email": "[email]",
    "phone": "[phone]",
    "ru_passport": "[passport]",
    "snils": "[snils]",
    "inn": "[inn]",
}
# Our own tokens (and any digit-free "[word]"): never re-detected, so redact() is idempotent.
# ("[at]" and "[dot]" are not tokens: they spell out an e-mail address.)
_TOKEN_RE = re.compile(
    r"\[(?!\s*(?:at|dot|точка|собака)\s*\])(?:card •••• [0-9]{4}|[^\W\d](?:[^\W\d]|[ -]){0,31})\]",
    re.IGNORECASE,
)
# \d: phonenumbers also reads non-ASCII digits; the rest: e-mail addresses spelled out.
_MAYBE_PII_RE = re.compile(rf"[\d@]|{_AT}", re.IGNORECASE)


# A decimal digit of another script: fullwidth "４", Arabic-Indic "٤", Devanagari "४"...
_OTHER_DIGIT_RE = re.compile(r"[^\D0-9]")  # a digit, not an ASCII one


def _ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of another script written as its ASCII digit.

    Character for character, so positions in it are positions in ``text``: the detectors
    read this form, and a card number typed in fullwidth or Arabic-Indic digits is found
    (and its last four shown in ASCII)."""
    if not _OTHER_DIGIT_RE.search(text):
        return text
    return _OTHER_DIGIT_RE.sub(lambda m: str(unicodedata.decimal(m.group())), text)


def _token(finding: PiiFinding, text: str) -> str:
    if finding.type == "card":
        last_four = "".join(_DIGIT_RE.findall(text[finding.start : finding.end]))[-4:]
        return f"[card •••• {last_four}]"
    return _TOKENS.get(finding.type, f"[{finding.type}]")


def _detect(text: str, detectors: Sequence[Detector], region: str) -> list[PiiFinding]:
    """Run every detector; keep the longest (then earliest, then first-listed) of overlaps."""
    candidates: list[tuple[int, int, int, PiiFinding]] = []
    for rank, detector in enumerate(detectors):
        for finding in detector(text, region=region):
            if not 0 <= finding.start < finding.end <= len(text):
                raise ValueError(f"{detector!r} returned out-of-range finding {finding!r}")
            candidates.append((finding.start - finding.end, finding.start, rank, finding))
    if not candidates:
        return []
    candidates.sort(key=lambda c: c[:3])
    starts: list[int] = []  # sorted, disjoint taken intervals (tokens first)
    ends: list[int] = []
    chosen: list[PiiFinding] = []

    def take(start: int, end: int) -> bool:
        at = bisect.bisect_right(starts, start)
        if (at and ends[at - 1] > start) or (at < len(starts) and starts[at] < end):
            return False
        starts.insert(at, start)
        ends.insert(at, end)
        return True

    for token in _TOKEN_RE.finditer(text):
        take(*token.span())
    for *_, finding in candidates:
        if take(finding.start, finding.end):
            chosen.append(finding)
    return chosen


def _apply(
    text: str, findings: Sequence[PiiFinding], scanned: str | None = None
) -> tuple[str, list[tuple[int, int, int]]]:
    """Replace sorted, disjoint findings; also return the kept segments as (new, new_end, old).

    Tokens are made from ``scanned`` (``text`` as the detectors read it) when given."""
    parts: list[str] = []
    segments: list[tuple[int, int, int]] = []
    position = length = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        segments.append((length, length + finding.start - position, position))
        length += finding.start - position
        token = _token(finding, text if scanned is None else scanned)
        parts.append(token)
        length += len(token)
        position = finding.end
    parts.append(text[position:])
    segments.append((length, length + len(text) - position, position))
    return "".join(parts), segments


def redact(
    text: str,
    *,
    default_region: str | None = None,
    detectors: Sequence[Detector] | None = None,
) -> Redaction:
    """Replace PII in ``text`` with tokens such as ``[card •••• 1234]`` or ``[phone]``.

    ``default_region`` is used for phone numbers written without a ``+`` country code
    (several regions joined by commas); None means DEFAULT_PHONE_REGION ("RU" unless the
    desk's UNIDESK_PHONE_REGIONS says otherwise).  ``detectors`` defaults to DEFAULT_DETECTORS.
    The output is re-scanned until stable, so ``redact(redact(t).text)`` changes nothing.
    """
    if detectors is None:
        detectors = DEFAULT_DETECTORS
        if not _MAYBE_PII_RE.search(text):
            return Redaction(text, ())
    region = (default_region or DEFAULT_PHONE_REGION).upper()
    scanned = _ascii_digits(text)
    findings: list[PiiFinding] = []
    current = scanned
    segments = [(0, len(text), 0)]
    for _ in range(_MAX_PASSES):
        fresh = _detect(current, detectors, region)
        mapped: list[PiiFinding] = []
        for finding in fresh:  # map back to the original text via the untouched segments
            for seg_start, seg_end, original in segments:
                if seg_start <= finding.start and finding.end <= seg_end:
                    shift = original - seg_start
                    mapped.append(
                        PiiFinding(finding.type, finding.start + shift, finding.end + shift)
                    )
                    break
        if not mapped:
            break
        findings = sorted([*findings, *mapped], key=lambda f: f.start)
        current, segments = _apply(scanned, findings)
    if scanned is not text and findings:
        current = _apply(text, findings, scanned)[0]  # the customer's other digits stay
    return Redaction(current if findings else text, tuple(findings))

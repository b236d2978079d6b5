"""Language of a message: lingua restricted to the languages the desk serves.

Rules (all documented in docs/triage.md):

* Fewer than ``MIN_LETTERS`` letters once links, e-mail addresses, PII tokens, digits and
  emoji are removed → "unknown" (or ``fallback``).
* lingua's confidence values over the configured languages sum to 1.  The top language is
  returned when it has at least ``MIN_CONFIDENCE`` and leads the runner-up by
  ``MIN_MARGIN``; otherwise the text is ambiguous → ``fallback`` or "unknown".
* The customer's last known language (``fallback``) also wins a near tie: if its confidence
  is within ``FALLBACK_MARGIN`` of the top one, it is kept (a Russian customer writing
  "Добрий день" is still answered in the language they used before).
* Short texts (up to ``SHORT_WORDS`` words) get a hint from a list of greetings and
  function words per language (``data/short_words.txt``), because character statistics
  say little about "hello" or "thanks".
* lingua reads at most the first ``MAX_CHARS`` characters (whitespace runs squeezed, cut
  at a space): its cost grows with the length, a long e-mail says its language in the
  first lines, and the customer's own words come before the quoted history.  Texts up to
  that length are read whole, exactly as before.

Building the detector loads every language model (about 1.4 s and a few hundred MB for the
13 default languages); it is built once per set of languages and cached for the process.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from unidesk.triage._text import load_table, normalize

__all__ = [
    "DEFAULT_LANGUAGES",
    "FALLBACK_MARGIN",
    "MAX_CHARS",
    "MIN_CONFIDENCE",
    "MIN_LETTERS",
    "MIN_MARGIN",
    "SHORT_WORDS",
    "UNKNOWN",
    "detect_language",
    "detector",
    "language_scores",
]

# English, Russian, Portuguese, Spanish, Ukrainian, Kazakh, Turkish, German, French,
# Italian, Arabic, Chinese, Japanese (ISO 639-1).
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "ru", "pt", "es", "uk", "kk", "tr", "de", "fr", "it", "ar", "zh", "ja",
)  # fmt: skip
UNKNOWN = "unknown"
MIN_LETTERS = 3  # letters needed to say anything at all ("ok", "да" → unknown/fallback)
MIN_CONFIDENCE = 0.5  # lingua confidence of the top language
MIN_MARGIN = 0.15  # lead of the top language over the runner-up
FALLBACK_MARGIN = 0.15  # the fallback language wins if it is this close to the top
SHORT_WORDS = 8  # texts of at most this many words get the common-word hint
MAX_CHARS = 2000  # lingua reads this much of a long text (about 3 ms on one core)
_HINT_WEIGHT = 1.0  # confidence added to the language whose common words the text uses

_NOISE_RE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+|\[[^\]]{1,40}\]|[@#]\w+|[\d_]+",
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def _codes(languages: Iterable[str]) -> frozenset[str]:
    if isinstance(languages, tuple | frozenset):  # the usual, hashable case: parse once
        return _codes_cached(languages)
    return frozenset(code.strip().lower() for code in languages)


@lru_cache(maxsize=64)
def _codes_cached(languages: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    return frozenset(code.strip().lower() for code in languages)


@lru_cache(maxsize=128)
def _code_of(language: Language) -> str:
    """ISO 639-1 code of a lingua language (the attribute chain is costly per call)."""
    return language.iso_code_639_1.name.lower()


def _enough_letters(text: str) -> bool:
    """At least ``MIN_LETTERS`` letters; stops counting as soon as they are found."""
    count = 0
    for char in text:
        if char.isalpha():
            count += 1
            if count >= MIN_LETTERS:
                return True
    return False


@lru_cache(maxsize=8)
def _detector(codes: frozenset[str]) -> LanguageDetector:
    langs = []
    for code in sorted(codes):
        try:
            langs.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except AttributeError:
            raise ValueError(f"unknown ISO 639-1 language code {code!r}") from None
    if len(langs) < 2:
        raise ValueError("lingua needs at least two languages to choose from")
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


def detector(languages: Iterable[str] = DEFAULT_LANGUAGES) -> LanguageDetector:
    """The lingua detector for ``languages`` (ISO 639-1 codes), built once and cached."""
    return _detector(_codes(languages))


@lru_cache(maxsize=1)
def _short_words() -> dict[str, str]:
    """Common word → language code (a word listed for two languages is dropped)."""
    owners: dict[str, str] = {}
    for code, words in load_table("short_words.txt").items():
        for word in words.split():
            owners[word] = "" if word in owners and owners[word] != code else code
    return {word: code for word, code in owners.items() if code}


def _clean(text: str) -> str:
    return _NOISE_RE.sub(" ", text)


def _head(cleaned: str) -> str:
    """The part of a cleaned text lingua reads: all of it up to ``MAX_CHARS``, else a prefix.

    Whitespace runs are squeezed first (a table of removed order numbers leaves long runs
    of spaces) and the cut falls on a space, so no word is split.
    """
    if len(cleaned) <= MAX_CHARS:
        return cleaned
    squeezed = " ".join(cleaned.split())
    if len(squeezed) <= MAX_CHARS:
        return squeezed
    cut = squeezed.rfind(" ", 0, MAX_CHARS + 1)
    return squeezed[: cut if cut > MAX_CHARS // 2 else MAX_CHARS]


def language_scores(text: str, *, languages: Iterable[str] = DEFAULT_LANGUAGES) -> dict[str, float]:
    """Confidence per language code (sums to about 1; empty when there are too few letters)."""
    codes = _codes(languages)
    cleaned = _clean(text)
    if not _enough_letters(cleaned):
        return {}
    values = detector(codes).compute_language_confidence_values(_head(cleaned))
    scores = {_code_of(v.language): v.value for v in values}
    words = list(itertools.islice(_WORD_RE.finditer(normalize(cleaned)), SHORT_WORDS + 1))
    if 0 < len(words) <= SHORT_WORDS:
        hints = {_short_words().get(word.group()) for word in words} - {None}
        if len(hints) == 1:
            (code,) = hints
            if code is not None and code in scores:
                scores[code] += _HINT_WEIGHT
                total = sum(scores.values())
                scores = {key: value / total for key, value in scores.items()}
    return scores


def detect_language(
    text: str,
    *,
    fallback: str | None = None,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
) -> str:
    """ISO 639-1 code of ``text``, or ``fallback`` (else "unknown") when unsure.

    ``fallback`` is the customer's last known language; it is returned for text that is
    too short or ambiguous, and it wins near ties (see the module docstring).
    """
    fallback = fallback.lower() if fallback else None
    scores = language_scores(text, languages=languages)
    if not scores:
        return fallback or UNKNOWN
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (top, top_score), (_, second_score) = ranked[0], ranked[1]
    if fallback is not None and scores.get(fallback, -1.0) >= top_score - FALLBACK_MARGIN:
        return fallback
    if top_score >= MIN_CONFIDENCE and top_score - second_score >= MIN_MARGIN:
        return top
    return fallback or UNKNOWN

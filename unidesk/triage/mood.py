"""Sentiment (negative / neutral / positive) from a shipped lexicon, and the model interface.

Rule-based, for Russian, English and (a little) Portuguese and Spanish:

* words are looked up in ``data/sentiment_*.txt`` (Russian by pymorphy3 lemma, so every
  inflection counts), two-word entries first ("не работать" -1.5, "no problem" +1.5,
  "best regards" 0: a greeting, not praise);
* a negator (не, нет, без, not, no, never, -n't, não, nunca) flips the next three words up
  to punctuation: a negated positive word counts -0.75x ("not good"), a negated negative
  one -0.5x ("не плохо", "not bad": mildly positive);
* intensifiers (очень, very, so, muito, muy...) count the next word 1.5x; after "but/но"
  words count 1.5x and before it 0.5x; exclamation marks and CAPITALS add weight;
* emoji and emoticons have canned scores (``data/sentiment_emoji.txt``; Russian ")))" is
  a smile, "(((" a frown); laughter adds +1 per laugh (up to two); abuse subtracts
  3 x abuse score;
* the sum s becomes a score s / sqrt(s² + 6) in (-1, 1): at or above +0.25 positive, at or
  below -0.25 negative, otherwise neutral.

A trained classifier (``unidesk triage train --task sentiment``) replaces the lexicon: any
object with ``predict(text) -> Prediction`` fits ``SentimentModel``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from unidesk.triage._text import blank_links, has_cyrillic, lemma, load_table, tokens

__all__ = [
    "NEGATIVE_AT",
    "POSITIVE_AT",
    "LexiconSentiment",
    "Prediction",
    "SentimentModel",
    "SentimentResult",
    "sentiment",
]

POSITIVE_AT = 0.25
NEGATIVE_AT = -0.25
_SMOOTHING = 6.0
_NEGATION_SCOPE = 3


@dataclass(frozen=True, slots=True)
class Prediction:
    """A label and the model's confidence in it (0..1)."""

    label: str
    confidence: float


class SentimentModel(Protocol):
    """Anything that labels a text "negative", "neutral" or "positive"."""

    def predict(self, text: str) -> Prediction: ...


@dataclass(frozen=True, slots=True)
class SentimentResult:
    label: str
    score: float  # -1 (very negative) .. +1 (very positive)


_NEGATORS = frozenset(
    [
        "не",
        "нет",
        "ни",
        "никогда",
        "без",
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "neither",
        "nor",
        "cannot",
        "without",
        "não",
        "nao",
        "nem",
        "nunca",
    ]
)
_INTENSIFIERS = frozenset(
    [
        "очень",
        "весьма",
        "крайне",
        "совсем",
        "абсолютно",
        "совершенно",
        "самый",
        "слишком",
        "так",
        "такой",
        "реально",
        "very",
        "so",
        "really",
        "extremely",
        "totally",
        "too",
        "absolutely",
        "incredibly",
        "super",
        "muito",
        "muy",
        "bem",
        "bastante",
    ]
)
_BUT = frozenset(["но", "однако", "зато", "but", "however", "mas", "pero"])
_PUNCT_RE = re.compile(r"[.,;:!?…]")
_SMILE_RE = re.compile(r"(?<![()])\){2,}|(?<![()])\({2,}")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """(Russian, other languages, emoji) score tables."""
    ru = {key: float(value) for key, value in load_table("sentiment_ru.txt").items()}
    other: dict[str, float] = {}
    for name in ("sentiment_en.txt", "sentiment_pt_es.txt"):
        other.update({key: float(value) for key, value in load_table(name).items()})
    emoji = {key: float(value) for key, value in load_table("sentiment_emoji.txt").items()}
    return ru, other, emoji


@lru_cache(maxsize=1)
def _emoji_re() -> re.Pattern[str]:
    keys = sorted(_tables()[2], key=len, reverse=True)
    return re.compile("|".join(re.escape(key) for key in keys))


def _key(word: str) -> str:
    return lemma(word) if has_cyrillic(word) else word


@lru_cache(maxsize=100_000)
def _lookup(word: str) -> float | None:
    """Lexicon score of one word (cached: the tables are fixed, the same words recur)."""
    ru, other, _ = _tables()
    if has_cyrillic(word):
        found = ru.get(lemma(word))
        return found if found is not None else ru.get(word)
    for candidate in (word, word[:-1] if word.endswith("s") else ""):
        if candidate and candidate in other:
            return other[candidate]
    for suffix in ("ed", "ing", "d"):
        if word.endswith(suffix) and word[: -len(suffix)] in other:
            return other[word[: -len(suffix)]]
    return None


@lru_cache(maxsize=100_000)
def _phrase(first: str, second: str) -> float | None:
    """Lexicon score of a two-word entry (cached like ``_lookup``)."""
    ru, other, _ = _tables()
    table = ru if has_cyrillic(first + second) else other
    found = table.get(f"{_key(first)} {_key(second)}")
    return found if found is not None else table.get(f"{first} {second}")


def _word_sum(text: str) -> float:
    words = tokens(text)
    total = 0.0
    negate_left = 0
    boost = 1.0
    but_seen = False
    before_but = 0.0
    index = 0
    while index < len(words):
        token = words[index]
        if index and _PUNCT_RE.search(text, words[index - 1].end, token.start):
            negate_left = 0
        value: float | None = None
        step = 1
        if index + 1 < len(words) and not _PUNCT_RE.search(text, token.end, words[index + 1].start):
            value = _phrase(token.norm, words[index + 1].norm)
            if value is not None:
                step = 2
        word = token.norm
        if value is None:
            if word in _NEGATORS or word.endswith("n't"):
                negate_left = _NEGATION_SCOPE
                index += 1
                continue
            if word in _INTENSIFIERS:
                boost = 1.5
                index += 1
                continue
            if word in _BUT:
                but_seen = True
                before_but, total = total, 0.0
                index += 1
                continue
            value = _lookup(word)
        if value is not None and value != 0.0:
            if negate_left and step == 1:
                value *= -0.75 if value > 0 else -0.5
            value *= boost
            raw = text[token.start : token.end]
            if len(raw) >= 3 and raw.isupper() and not text.isupper():
                value *= 1.3
            total += value
            boost = 1.0
        negate_left = max(0, negate_left - step)
        index += step
    if but_seen:
        return 0.5 * before_but + 1.5 * total
    return total


def sentiment(text: str, *, laughs: int = 0, abuse_score: float = 0.0) -> SentimentResult:
    """Lexicon sentiment of ``text``; ``laughs`` and ``abuse_score`` come from their detectors."""
    text = blank_links(text)
    total = _word_sum(text)
    emoji = _tables()[2]
    total += sum(emoji[m.group().lower()] for m in _emoji_re().finditer(text.lower()))
    for match in _SMILE_RE.finditer(text):
        total += 1.5 if match.group()[0] == ")" else -1.5
    if abuse_score < 0.5:
        total += min(laughs, 2) * 1.0
    total -= 3.0 * abuse_score
    exclamations = min(text.count("!"), 3)
    total *= 1.0 + 0.1 * exclamations
    score = total / math.sqrt(total * total + _SMOOTHING)
    if score >= POSITIVE_AT:
        label = "positive"
    elif score <= NEGATIVE_AT:
        label = "negative"
    else:
        label = "neutral"
    return SentimentResult(label, round(score, 4))


class LexiconSentiment:
    """The shipped rule-based model behind the ``SentimentModel`` interface."""

    def predict(self, text: str) -> Prediction:
        result = sentiment(text)
        confidence = abs(result.score) if result.label != "neutral" else 1.0 - abs(result.score)
        return Prediction(result.label, round(confidence, 4))

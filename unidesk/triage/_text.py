"""Shared text helpers for the triage signals: tokens with offsets, lemmas, data files."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "Token",
    "has_cyrillic",
    "lemma",
    "load_table",
    "normalize",
    "tokens",
]

# A word: letters/digits, with inner apostrophes ("don't", "п'ять").
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
# Web links and e-mail addresses: "http://" holds the ":/" emoticon, and a link's random
# letters look like a keyboard smash or "kkkk".
_LINK_RE = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+", re.IGNORECASE
)


def blank_links(text: str) -> str:
    """``text`` with links and e-mail addresses replaced by spaces (offsets unchanged)."""
    return _LINK_RE.sub(lambda m: " " * len(m.group()), text)


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the text: lower-cased ``norm`` (ё→е, ’→') and its [start, end) offsets."""

    norm: str
    start: int
    end: int


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), lower-case, ё→е, typographic apostrophe → '."""
    return unicodedata.normalize("NFKC", text).lower().replace("ё", "е").replace("’", "'")


def tokens(text: str) -> list[Token]:
    """Words of ``text`` with offsets into ``text`` (offsets survive: no NFKC here)."""
    return [
        Token(m.group().lower().replace("ё", "е").replace("’", "'"), m.start(), m.end())
        for m in _WORD_RE.finditer(text)
    ]


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC_RE.search(text) is not None


@lru_cache(maxsize=1)
def _morph() -> Any:
    import logging

    import pymorphy3  # dictionaries come from the pymorphy3-dicts-ru package: no download

    logging.getLogger("pymorphy3").setLevel(logging.WARNING)  # not "Loading dictionaries..."
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Dictionary form of a lower-case Russian word (pymorphy3's best parse); others as is."""
    if not _CYRILLIC_RE.search(word) or not word.isalpha():
        return word
    normal: str = _morph().parse(word)[0].normal_form
    return normal.replace("ё", "е")


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Every dictionary form pymorphy3 reads ``word`` as, best first ("хохлов" is first a
    surname, then the plural of "хохол"); others as is."""
    if not _CYRILLIC_RE.search(word) or not word.isalpha():
        return (word,)
    forms = dict.fromkeys(p.normal_form.replace("ё", "е") for p in _morph().parse(word))
    return tuple(forms)


@lru_cache(maxsize=32)
def load_table(name: str) -> dict[str, str]:
    """``data/NAME`` as {key: rest}: one entry a line, key and value split by a tab.

    Blank lines and lines starting with ``#`` are skipped; keys are normalised (lower, ё→е).
    """
    table: dict[str, str] = {}
    text = resources.files("unidesk.triage").joinpath("data", name).read_text("utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("\t")
        table[normalize(key.strip())] = value.strip()
    return table

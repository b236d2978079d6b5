"""Laughter in any culture: "хахаха", "kkkk", "rsrsrs", "jajaja", "h6h6h6", "χαχαχα", "555"...

Everything is a pattern over one word (after folding look-alike letters) or over the whole
text for scripts without spaces; nothing is a list of exact strings:

* syllable laughs: two or more laugh syllables of one consonant (h/х/χ, j, x) and vowels,
  optionally starting with a vowel, letters may repeat ("ahahha", "хахах", "jajaj",
  "χαχα", "hihihi"); a lone "ha"/"хех" is not enough;
* alternating pairs: "rsrs", "wkwk", "ksks", "jsjs", "sjsj", "hshs", "kjkj" (two or more
  repeats), Estonian "h6h6" (õ typed as 6), Portuguese "huehue", Brazilian "kkkk" (4+, or
  "kkk" lower-case: "KKK" is left alone), "xD";
* acronyms and slang with stretchable letters: lol/lool/lolz/lolol/lel/lul, lmao/lmfao,
  rofl, lwkmd (Nigerian), mdr/ptdr (French, "mdrrr"), kek/kekw/кек, "kekeke" (Korean), лол
  (also in Greek letters: "Λολ"), ололо, ржу, гыгы, бгг, пхпх/пхаха; "hhhh" (North Africa,
  Indonesia);
* script runs: Thai "555" and Chinese "23333" (not an amount or a number: no currency, no
  "order/№" before it, no name after "555" as in "555 Main Street"), Arabic "ههههه",
  Hebrew "חחחח", Persian "خخخخ", Korean "ㅋㅋㅋ", Chinese 哈哈/呵呵/嘻嘻/笑死, Japanese
  "www" (not a web address), 草 at the end of a phrase, kana runs "ははは", "ふふふ" and
  "ワロタ", Thai "ฮ่าๆ" and "คิคิ", Hindi "हाहा", Bengali "হাহা";
* keyboard smash: a run of 6+ Latin or Cyrillic letters that is almost all home-row keys
  with few vowels ("askfhsjkd", "фывлаоыв"), which real words are not, and laughs typed
  from a few letters: Brazilian "asuhasuhas", "huahuahua", Spanish "jajsjajs", Russian
  "ахахпхпх";
* emoji 😂 🤣 😆 😹 😅 💀 ("I'm dead") and the emoticons "xD" (also with a Cyrillic "х"), ":D".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from unidesk.triage._text import blank_links, normalize

__all__ = ["LaughterMatch", "find_laughter", "has_laughter"]


@dataclass(frozen=True, slots=True)
class LaughterMatch:
    """One laugh: the kind of rule that matched and its [start, end) offsets."""

    kind: str
    start: int
    end: int


# Cyrillic and Greek letters folded to Latin so that one pattern serves all three scripts.
_FOLD = str.maketrans(
    {
        "х": "h", "а": "a", "е": "e", "э": "e", "и": "i", "о": "o", "я": "a", "ы": "i",
        "л": "l", "к": "k", "д": "d", "χ": "h", "α": "a", "ε": "e", "ι": "i", "ο": "o",
        "λ": "l", "ό": "o", "ά": "a", "έ": "e", "ί": "i", "κ": "k", "ш": "s", "ä": "a",
    }
)  # fmt: skip

_WORD_RE = re.compile(r"[^\W_]+")
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_COLLAPSE_RE = re.compile(r"(.)\1+")

# After folding and collapsing repeated letters.
_SYLLABLE_RE = re.compile(
    r"(?:[aie]?h[aeio](?:h[aeio])*h?"  # haha, ahah, ehehe, hihi, hoho (not "huhu": crying)
    r"|[ae]?j[aei](?:j[aei])*j?"  # jaja, ajaj, jeje, jiji (not "jojo": a name)
    r"|a?x[ae](?:x[ae])*x?"  # xaxa, axax (transliterated хаха; not "xixi")
    r"|(?:bw|mu|mw)a(?:h[ae])+h?"  # bwahaha, muahaha
    r"|(?:hue){2,}|(?:h[6o]){2,}h?)"
)
_PAIR_RE = re.compile(r"(?:rs|wk|ks|js|sj|kj|sk|jk|hs)(?:rs|wk|ks|js|sj|kj|sk|jk|hs|[rwkjsh])*")
# Keyboard laughter from a few letters, each present: Brazilian "asuhasuhas", "auhsuahs"
# (a, s, u, h) and "huahuahua" (a, u, h); Spanish "jajsjajs", "jasjajsaj" (j, a, s, with
# k, d or h); Russian "ахахпхпх" (а, х, п).
_AHSU_RE = re.compile(
    r"(?=\w*h\w*h)(?=\w*s)(?=\w*u)(?=\w*a)[ahsu]{6,}"
    r"|(?=\w*h\w*h)(?=\w*u\w*u)(?=\w*a\w*a)[ahu]{6,}"
    r"|(?=\w*j\w*j)(?=\w*s)(?=\w*a)[ajskdh]{6,}"
    r"|(?=\w*х\w*х)(?=\w*п)(?=\w*а)[ахп]{6,}"
)
_SLANG_RE = re.compile(
    r"lo+l+z?|(?:lo+){2,}l|o(?:lo){2,}l?|le+l|lu+l|lm+f?a+o+|ro+f+l+(?:mao)?|lwkmd|m+d+r+"
    r"|p+t+d+r+|ke+kw?|xd+|бгг+"  # ...lololol, ололо (folded "ololo"), kekw, бгг
    r"|rzhu|ржу|ржунемогу|ржунимагу|kjkj\w*|(?:гы)+г?ы*(?<=гыгы)"
    r"|(?:ke){3,}k?|(?:пх){2,}п?|пх[аa](?:х[аa])+х?"  # Korean "kekeke", Russian "пхпх", "пхаха"
)
_K_RE = re.compile(r"k{4,}[kjs]*|k{3}")
# "hhhh" (North Africa, Indonesia), Latin only: "ХХХХ" in Cyrillic masks a card number.
_H_RE = re.compile(r"h{4,}")
_HOME_ROW = frozenset("asdfghjklфывапролджэ")
_VOWELS = frozenset("aeiouyаеиоуыэюяё")
_CONSONANT_RUN_RE = re.compile(r"[^aeiouyаеиоуыэюяё]{4,}")
# Neighbouring home-row keys typed in order (either direction).
_KEY_RUN_RE = re.compile(
    r"asd|sdf|dfg|fgh|ghj|hjk|jkl|lkj|kjh|jhg|hgf|gfd|fds|dsa|фыв|олд|лдж|джэ|эжд|длр|ывф"
)
# Laugh syllables written apart: "ха-ха-ха", "ha ha ha", "je je".
_SPACED_RE = re.compile(
    r"(?<![^\W_])(?:[hjхχ][aeioаеиоαεο][\s-]+)+[hjхχ][aeioаеиоαεο]+h?(?![^\W_])"
)

_SCRIPT_RE = re.compile(
    r"(?<![\d.,/#№$€£¥₽-])(?:5{3,}|23{4,})(?![\d.,/%$€£¥₽-])"  # Thai 555, Chinese 23333
    r"(?!\s*(?:руб|р\.|rub|usd|eur|baht|บาท|\$|€))"
    r"|ه{3,}|ح{4,}|خ{3,}|ח{3,}|[ㅋㅎ]{2,}|[哈呵嘻]{2,}|(?<![a-z0-9])w{3,}(?![a-z0-9.])"
    r"|草(?=$|[\s!！?？。、)）w]|生え)|大草原|[(（]笑[)）]|笑死|笑笑"
    r"|[はハ]{3,}|[ふフ]{3,}|[へヘ]{3,}|[ひヒ]{3,}"  # Japanese ははは, ふふふ, へへへ
    r"|ワロ[タスチ]|ฮ่?า+ๆ+|(?:ฮ่?า){2,}|(?:คิ){2,}|(?:हा){2,}|(?:হা){2,}"  # Japanese, Thai,
    # Hindi, Bengali
    r"|[😂🤣😆😹😅💀]|(?<!\w)(?:[xх]+d+|:-?d+|=d+)(?!\w)",
)
_NUMBER_CONTEXT_RE = re.compile(
    r"(?:№|#|no\.?|order|заказ\w*|номер\w*|код\w*|code|tel\w*|тел\w*|card|карт\w*|pin|"
    r"invoice|счет\w*|id)\s*:?\s*$"
)


# "555 Main Street": a house number before a name, not Thai laughter.
_NAME_AFTER_RE = re.compile(r"\s+[A-ZА-ЯЁ][a-zа-яё]")


def _is_smash(word: str) -> bool:
    """A consonant-heavy run of home-row keys ("askfhsjkd"), not a word."""
    if len(word) < 6 or not word.isalpha():
        return False
    home = sum(1 for char in word if char in _HOME_ROW)
    vowels = sum(1 for char in word if char in _VOWELS)
    if home < 0.8 * len(word) or vowels > 0.35 * len(word) or len(set(word)) < 3:
        return False
    return bool(_CONSONANT_RUN_RE.search(word) or _KEY_RUN_RE.search(word))


def _word_kind(word: str) -> str | None:
    folded = word.translate(_FOLD)
    collapsed = _COLLAPSE_RE.sub(r"\1", folded)
    if (
        len(collapsed) >= 4
        and _SYLLABLE_RE.fullmatch(collapsed)
        and sum(1 for char in collapsed if char in "hjx") >= 2
    ):
        return "syllables"
    if _PAIR_RE.fullmatch(folded) and len(folded) >= 4 and len(set(folded)) >= 2:
        return "pairs"
    if _SLANG_RE.fullmatch(folded) or _SLANG_RE.fullmatch(word):
        return "slang"
    if _K_RE.fullmatch(folded):
        return "kkk"
    if _H_RE.fullmatch(word):
        return "hhh"
    if _is_smash(word) or _AHSU_RE.fullmatch(word):
        return "keyboard_smash"
    return None


@lru_cache(maxsize=100_000)
def _raw_word_kind(raw: str) -> str | None:
    """``_word_kind`` of a word as written: a message repeats the words of the last ones."""
    return _word_kind(normalize(raw))


def find_laughter(text: str) -> list[LaughterMatch]:
    """Every laugh in ``text`` (offsets into ``text``), in order."""
    found: list[LaughterMatch] = []
    text = blank_links(text)  # offsets unchanged
    lower = text.translate(_FULL_WIDTH).lower()  # "ｗｗｗ" → "www", offsets unchanged
    for match in _WORD_RE.finditer(text):
        raw = match.group()
        if raw == "KKK":  # an acronym, not Brazilian laughter
            continue
        kind = _raw_word_kind(raw)
        if kind is not None:
            found.append(LaughterMatch(kind, match.start(), match.end()))
    for match in _SPACED_RE.finditer(lower):
        found.append(LaughterMatch("syllables", match.start(), match.end()))
    for match in _SCRIPT_RE.finditer(lower):
        if match.group()[0].isdigit() and (
            _NUMBER_CONTEXT_RE.search(lower, 0, match.start())
            or (match.group() == "555" and _NAME_AFTER_RE.match(text, match.end()))
        ):
            continue
        if any(f.start <= match.start() < f.end for f in found):
            continue
        found.append(LaughterMatch("script", match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    return found


def has_laughter(text: str) -> bool:
    """True if ``text`` laughs anywhere."""
    return bool(find_laughter(text))

"""Abuse: insults, slurs and threats aimed at people, robust to morphology and disguise.

Rule-based and explainable.  Each word of the message is tried in several forms:

1. letters written apart are joined first: "с у к а", "с.у.к.а", "f-u-c-k";
2. a Cyrillic form (Latin look-alikes and l33t folded: c→с, y→у, x→х, 3→з, 0→о, 4→ч, 6→б,
   @→а) and a Latin form (Cyrillic look-alikes and l33t folded: а→a, с→c, 0→o, 1→i, 3→e,
   @→a, $→s), each also with repeated letters collapsed ("сууука" → "сука"); a "*" inside a
   word ("f*ck", "с*ка") stands for any vowel;
3. Russian forms are matched against obscene roots (хуй, пизд, (за/на/вы/у...)еб, бля(д/т),
   муд(а/и/о), сук(а), долбо, мраз, гандон...) with guards against innocent words
   ("страхуй", "употреблять", "небо", "рубля", "сукно", "мудрый", "педикюр", "жидкость"),
   and by lemma (pymorphy3) against ``data/abuse_ru.txt``; Latin forms against roots
   (fuck, shit, cunt, motherf...) and ``data/abuse_latin.txt``; transliterated Russian mat
   ("suka", "blyat", "pizdec", "nahui") by a short pattern list.

Weights: slur 0.9, threat 0.9, strong obscenity 0.7, insult 0.65, person-only insult
("козел", "stupid", "clown") 0.3 alone and 0.75 next to "ты/вы/you/your" or a word for the
agent, mild (crap, говно, отстой) 0.35.  The score is 1 - Π(1 - w) over the hits and the
message is flagged at ``ABUSE_THRESHOLD`` (0.5): one mild word or one "stupid app" does not
flag, an insult, a slur, a threat or strong obscenity does.  Words for peoples, religions
and politics are not in any list: "I am Jewish" or "Мы из Чечни" score 0.

Insults made of innocent words ("иди нах", "vai tomar no cu", "fick dich", "go to hell")
are phrase patterns (``_PHRASES``); a phrase stands for the words inside it.  The word
lists also hold the common insults of German, French, Italian and Turkish.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from unidesk.triage._text import lemmas, load_table

__all__ = [
    "ABUSE_THRESHOLD",
    "WEIGHTS",
    "AbuseHit",
    "AbuseResult",
    "detect_abuse",
    "mask_abuse",
]

ABUSE_THRESHOLD = 0.5
WEIGHTS = {
    "slur": 0.9,
    "threat": 0.9,
    "strong": 0.7,
    "insult": 0.65,
    "directed": 0.3,
    "directed_at_person": 0.75,
    "mild": 0.35,
}


@dataclass(frozen=True, slots=True)
class AbuseHit:
    """What matched: category, the normalised form, and [start, end) in the original text."""

    category: str
    form: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AbuseResult:
    score: float
    abusive: bool
    hits: tuple[AbuseHit, ...]


# ----------------------------------------------------------------------------- forms

_LETTERISH = r"[^\W_]|[@$*]"
# Single letters separated by spaces or punctuation: "с у к а", "с.у.к.а", "f-u-c-k".
# The separator must repeat exactly ("с у к а, I" joins "сука" only).
_SPACED_RE = re.compile(
    rf"(?<![\w@$*])(?:{_LETTERISH})([\s.,\-_·•/|+~]{{1,3}})(?:{_LETTERISH})(?![\w@$*])"
    rf"(?:\1(?:{_LETTERISH})(?![\w@$*]))+"
)
_WORD_RE = re.compile(r"[\w@$*]*[^\W_][\w@$*]*")
_SEP_RE = re.compile(r"[\s.,\-_·•/|+~]")
_COLLAPSE_RE = re.compile(r"(.)\1+")

_TO_CYRILLIC = str.maketrans(
    {
        "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "o": "о",
        "p": "р", "t": "т", "x": "х", "y": "у", "u": "и", "n": "п", "r": "г", "3": "з",
        "0": "о", "4": "ч", "6": "б", "@": "а", "1": "и", "9": "я", "ё": "е", "$": "с",
    }
)  # fmt: skip
_TO_LATIN = str.maketrans(
    {
        "а": "a", "в": "b", "с": "c", "е": "e", "н": "h", "к": "k", "м": "m", "о": "o",
        "р": "p", "т": "t", "х": "x", "у": "y", "і": "i", "ѕ": "s", "ј": "j", "0": "o",
        "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
        "ı": "i", "ß": "ss",  # Turkish dotless i, German sharp s (no accent to strip)
    }
)  # fmt: skip
# What a "*" inside a word may stand for: vowels and the letters people hide in mat.
_WILDCARD_CYR = "аеиоуыяюзблйхд"
_WILDCARD_LAT = "aeiouckh"
_CYR_RE = re.compile("[а-яё]")
_LAT_RE = re.compile("[a-z]")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _wildcards(form: str, letters: str) -> list[str]:
    inner = form.strip("*")
    if "*" not in inner:
        return [inner] if inner else []
    if inner.count("*") > 2:
        return [inner.replace("*", "")]
    parts = inner.split("*")
    out = []
    for fill in itertools.product(letters, repeat=len(parts) - 1):
        out.append("".join(p + f for p, f in zip(parts, (*fill, ""), strict=True)))
    return out


@lru_cache(maxsize=100_000)
def _forms(word: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(Cyrillic forms, Latin forms, is_plain_latin) of one lower-case word."""
    word = word.replace("ё", "е")
    cyr_letters = len(_CYR_RE.findall(word))
    lat_letters = len(_LAT_RE.findall(word))
    cyrillic: set[str] = set()
    latin: set[str] = set()
    if cyr_letters or all(char in "acehkmoptxyu3046@*" for char in word if char.isalnum()):
        for form in _wildcards(word.translate(_TO_CYRILLIC), _WILDCARD_CYR):
            cyrillic.update((form, _COLLAPSE_RE.sub(r"\1", form)))
    if lat_letters or not cyr_letters or all(char in "авсенкмортху" for char in word):
        base = _strip_accents(word.translate(_TO_LATIN))
        for form in _wildcards(base, _WILDCARD_LAT):
            latin.update((form, _COLLAPSE_RE.sub(r"\1", form)))
    plain_latin = lat_letters > 0 and cyr_letters == 0
    return tuple(sorted(cyrillic)), tuple(sorted(latin)), plain_latin


# ----------------------------------------------------------------------------- patterns

# Russian obscene roots on a Cyrillic form (repeated letters collapsed or not).
_RU_ROOTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        ("strong", r"(?<!ра)(?<!ст)ху[йеяюи](?!ан)"),  # хуй, нахуя, хуево; not "страхуйте"
        ("strong", r"пизд|^пзд|^пе[зс]д"),
        (
            "strong",
            r"^(?:за|на|по|вы|у|от|отъ|до|об|объ|под|подъ|раз|разъ|рас|съ|сь|въ|вь|из|изъ|при"
            r"|про|пере|недо|долбо|)[еи]б(?!ург)(?:[аеиоуыюяйлнкшцчщт]|$)",
        ),
        ("strong", r"^й[оа]б[аеиноуы]"),
        ("strong", r"^бл[яе]а?[дт]|^бля$|^блят|бляд|^блдь?$"),  # бляд: also выблядок
        ("insult", r"^муд(?:а[кч]|ил|оз|ель|ищ|ач)"),
        ("insult", r"^с?[сц]?сук(?:а|и|е|у|о|ой|ою|ам|ами|ах|ин|ина|ины|ину|ином|ины)$"),
        ("insult", r"^сцук[аиоеу]?$"),
        ("insult", r"^с?суч(?:ар|ка|ки|ке|ку|кой|ий|ья|ье|ьи|ьего|ьих|онок)"),
        ("insult", r"^д[ао]лбо|^д[ао]лба[её]б|^долба[нео]|^долбан"),  # "далбаеб" too
        ("insult", r"^д[еи]бил"),  # дебил, дибил, дебиленыш: the misspelling is the norm
        ("insult", r"^быдл"),
        ("strong", r"^(?:съ|у|за|вы)яб"),  # съябывать, уябывай
        ("insult", r"^мраз"),
        ("insult", r"^г[ао]ндон"),
        ("slur", r"^пид[оа]р|^пидр|^педик(?!ю)|^педераст"),
        ("insult", r"^шлюх|^шалав|^залуп"),
        ("strong", r"^манд(?:а|ы|у|е|ой|ец|авош)$|^мандавош"),
        ("mild", r"^(?:на|по|ни)хер$|^херн|^хер$|^говн|^дерьм|^жоп|^(?:за|об|обо|на|вы)?сра[лнт]"),
    )
)
# Latin roots on a Latin form.
_LATIN_ROOTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        ("strong", r"fuck|^fuk|^fck|^fuq|phuck|fvck|^fk(?:ing|in|er|off)?$|^wtf$|^fml$"),
        ("strong", r"motherf|^mf$|^mofo"),
        ("directed", r"shit(?!ak)"),  # "you piece of shit" yes, "oh shit, my password" no
        ("insult", r"^shithead|^shitbag"),
        ("strong", r"^cunt"),
        ("insult", r"^bullshit"),
        ("insult", r"asshole|arsehole|dumbass|jackass|smartass"),
        ("insult", r"^cocksuck|^dickhead"),
    )
)
# Russian mat written in Latin letters (transliteration, not look-alikes): whole words only,
# so that "hui" (a people), "huevo" (an egg) or "huehue" (laughter) stay innocent.
_TRANSLIT_RE = re.compile(
    r"suka|suki|cyka|blyat|blyad|blya|bl[yj]at|pizd\w*|pezd\w*|nahu[yij]|huy\w*|khuy\w*"
    r"|hu[yj]nya|ebat\w*|yeba\w*|yob\w*|zaeb\w*|vyeb\w*|uebok|uyeb\w*|mudak\w*|pidor\w*"
    r"|pidar\w*|pidr\w*|gandon\w*|dolboe?b\w*|debil\w*|mraz\w*|tvar|urod\w*|sosi|chmo"
)
_TRANSLIT_CATEGORY = {"debil": "insult", "mraz": "insult", "tvar": "insult", "urod": "insult"}

_SECOND_PERSON = frozenset(
    [
        "ты",
        "тебя",
        "тебе",
        "тобой",
        "твой",
        "твоя",
        "твое",
        "твои",
        "твоего",
        "вы",
        "вас",
        "вам",
        "вами",
        "ваш",
        "ваша",
        "ваше",
        "ваши",
        "вашего",
        "you",
        "u",
        "ya",
        "your",
        "ur",
        "youre",
        "yourself",
        "yourselves",
        "u're",
        "you're",
        "thou",
        "tu",
        "te",
        "ti",
        "toi",
        "vous",
        "voi",
        "du",
        "dich",
        "dir",
        "sen",
        "seni",
        "sana",
        "siz",
        "size",
        "voce",
        "vc",
        "voces",
        "ustedes",
        "usted",
        "oператор",
        "оператор",
        "операторы",
        "агент",
        "менеджер",
        "поддержка",
        "support",
        "agent",
        "operator",
        "manager",
    ]
)

_THREAT_RES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"\b(?:i|we)\s*(?:'ll|will|'m going to|am going to|are going to|'re going to|'m gonna"
        r"|am gonna|gonna|shall)\s+(?:\w+\s+){0,2}?(?:find|kill|hurt|murder|shoot|stab|beat"
        r"|destroy|burn|strangle|come for|hunt)\s+(?:you|u|ya|your (?:family|kids|children|wife"
        r"|husband|home|house|mother))\b",
        r"\bi know where you (?:live|work)\b",
        r"\byou(?:'re| are| r)\s+(?:so\s+)?(?:dead|gonna die|going to die|next)\b",
        r"\bwatch your back\b|\bkill (?:yourself|urself|yourselves)\b|\b(?:go|hope you) die\b",
        r"\b(?:тебя|вас|тебе|вам|твою|вашу|твоих|ваших)\s+(?:\w+\s+)?(?:найду|найдем|достану"
        r"|урою|убью|прибью|зарежу|закопаю|пристрелю|порву|уничтожу|задушу|сожгу|урою)\b",
        r"\b(?:найду|найдем|достану|урою|убью|прибью|зарежу|закопаю|пристрелю|порву|уничтожу"
        r"|задушу|сожгу)\s+(?:\w+\s+)?(?:тебя|вас|твою|вашу|твоих|ваших|твой|ваш|всех)\b",
        r"(?<!\w)(?:убью|урою|зарежу|пристрелю|закопаю|прибью)(?!\w)",
        r"\bзнаю,?\s+где\s+(?:ты|вы)\s+(?:живешь|живете|работаешь|работаете)\b",
        r"\b(?:тебе|вам)\s+(?:конец|хана|крышка|не жить)\b",
        r"\bсдохн(?:и|ите|ешь|ете)\b|\bчтоб(?:ы)?\s+(?:ты|вы)\s+сдох",
        r"\b(?:vou|vamos)\s+te\s+(?:matar|pegar|achar|encontrar)\b",
        r"\bte\s+(?:voy|vamos)\s+a\s+(?:matar|encontrar|buscar|partir)\b",
    )
)


# Insults made of innocent words: "go f yourself" and its kin, by category. Matched on the
# lower-case text in one pass (one pattern, a named group per category), masked like a word.
# Each starts with a word, not with a boundary check (the start of a word is checked on a
# match): a pattern that starts with literals lets the regex engine skip ahead, 3x faster.
_PHRASES: dict[str, tuple[str, ...]] = {
    "strong": (
        r"(?:иди|идите|пошел|пошла|пошли|пошёл)\s+(?:(?:ты|вы)\s+)?"
        r"(?:нах|нахер|нахрен|в\s+жопу|в\s+задницу)(?!\w)",
        r"(?:vai|vá|va)\s+(?:tomar|levar)\s+no\s+(?:cu|rabo)\b",
        r"va\s+te\s+faire\s+(?:foutre|enculer|voir)\b|ta\s+gueule\b",
        r"(?:fick|verpiss)\s+dich\b|halt\s+die\s+fresse\b",
        r"vete\s+a\s+la\s+mierda\b|que\s+te\s+jodan\b|chinga\s+tu\s+madre\b",
        r"va(?:i)?\s+a\s+fanculo\b",
    ),
    "insult": (
        r"(?:screw|f\s*u)\s+(?:you|u)\b|go\s+to\s+hell\b(?!')",
        r"иди(?:те)?\s+к\s+черту\b",
    ),
}
_PHRASE_RE = re.compile(
    "|".join(f"(?P<{category}>{'|'.join(options)})" for category, options in _PHRASES.items())
)


@lru_cache(maxsize=1)
def _ru_lexicon() -> dict[str, str]:
    return load_table("abuse_ru.txt")


@lru_cache(maxsize=1)
def _latin_lexicon() -> dict[str, str]:
    return load_table("abuse_latin.txt")


def _ru_entry(form: str) -> str | None:
    """The lexicon's category for a Cyrillic word: by its best reading, else by any other
    reading ("хохлов" reads first as a surname), else as written."""
    table = _ru_lexicon()
    return next((table[reading] for reading in lemmas(form) if reading in table), table.get(form))


def _latin_lookup(form: str) -> str | None:
    table = _latin_lexicon()
    singular = form[:-1] if form.endswith("s") else ""
    for candidate in (form, singular, form[:-2] if form.endswith("es") else ""):
        if candidate and candidate in table:
            return table[candidate]
    return None


@lru_cache(maxsize=100_000)
def _classify(word: str) -> tuple[str, str] | None:
    """(category, form) of the worst reading of one word, or None if it is innocent."""
    cyrillic, latin, plain_latin = _forms(word)
    found: list[tuple[str, str]] = []
    for form in cyrillic:
        for category, pattern in _RU_ROOTS:
            if pattern.search(form):
                found.append((category, form))
                break
        if form.isalpha() and _CYR_RE.search(form):
            entry = _ru_entry(form)
            if entry:
                found.append((entry, form))
    for form in latin:
        for category, pattern in _LATIN_ROOTS:
            if pattern.search(form):
                found.append((category, form))
                break
        entry = _latin_lookup(form)
        if entry:
            found.append((entry, form))
        if plain_latin and _TRANSLIT_RE.fullmatch(form):
            stem = next((k for k in _TRANSLIT_CATEGORY if form.startswith(k)), "")
            found.append((_TRANSLIT_CATEGORY.get(stem, "strong"), form))
    if not found:
        return None
    return max(found, key=lambda hit: WEIGHTS[hit[0]])


def _words(text: str) -> list[tuple[str, int, int]]:
    """Words (lower case) with offsets; letters written apart are joined into one word."""
    spans: list[tuple[str, int, int]] = []
    taken_until = -1
    joined = {m.start(): m for m in _SPACED_RE.finditer(text)}
    for match in _WORD_RE.finditer(text):
        if match.start() < taken_until:
            continue
        spaced = joined.get(match.start())
        if spaced is not None:
            spans.append((_SEP_RE.sub("", spaced.group()).lower(), *spaced.span()))
            taken_until = spaced.end()
            continue
        spans.append((match.group().lower(), match.start(), match.end()))
    return spans


# "эти свиньи", "такой баран": a word for people pointed at, not an animal or a thing.
_POINTING = frozenset(
    ["этот", "эта", "эти", "этих", "этим", "этими", "такой", "такая", "такие", "таких", "these"]
)
_VOCATIVE_AFTER_RE = re.compile(r"\s*[,!]")
_AFTER_PUNCTUATION_RE = re.compile(r"[.!?,]\s*$")


def _aimed_at_someone(text: str, plain: list[str], index: int, start: int, end: int) -> bool:
    """Whether a person-only insult is aimed at someone: near "ты/вы/you" or a word for the
    agent, right after "эти/такой", or said to someone ("Баран, ты...", "..., свинья!")."""
    window = plain[max(0, index - 3) : index + 4]
    if any(other in _SECOND_PERSON for other in window):
        return True
    if index and plain[index - 1] in _POINTING:
        return True
    before, after = text[max(0, start - 3) : start], text[end : end + 3]
    starts_sentence = start == 0 or _AFTER_PUNCTUATION_RE.search(before) is not None
    opens = starts_sentence and _VOCATIVE_AFTER_RE.match(after)
    closes = before.rstrip().endswith(",") and (not after.strip() or after.lstrip()[0] in ".!?")
    return bool(opens or closes)


def _threat_text(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("ё", "е").replace("’", "'"))


# ----------------------------------------------------------------------------- API


def detect_abuse(text: str) -> AbuseResult:
    """Score ``text`` for insults, slurs, strong obscenity and threats (see module doc)."""
    words = _words(text)
    hits: list[AbuseHit] = []
    plain = [word for word, _, _ in words]
    for index, (word, start, end) in enumerate(words):
        if len(word) < 2:
            continue
        verdict = _classify(word)
        if verdict is None:
            continue
        category, form = verdict
        if category == "directed" and _aimed_at_someone(text, plain, index, start, end):
            category = "directed_at_person"
        hits.append(AbuseHit(category, form, start, end))
    lower = text.lower().replace("ё", "е").replace("’", "'")
    if len(lower) == len(text):  # offsets hold ("İ" lowers to two characters)
        for phrase in _PHRASE_RE.finditer(lower):
            start, end = phrase.span()  # the phrase stands for the words inside it
            if start and (lower[start - 1].isalnum() or lower[start - 1] == "_"):
                continue  # inside a word: "nova te faire..." is not "va te faire..."
            hits = [hit for hit in hits if hit.end <= start or end <= hit.start]
            hits.append(AbuseHit(phrase.lastgroup or "strong", phrase.group(), start, end))
    lowered = _threat_text(text)
    for pattern in _THREAT_RES:
        match = pattern.search(lowered)
        if match:
            hits.append(AbuseHit("threat", match.group(), -1, -1))
            break
    keep = 1.0
    for hit in hits:
        keep *= 1.0 - WEIGHTS[hit.category]
    score = round(1.0 - keep, 4)
    return AbuseResult(score, score >= ABUSE_THRESHOLD, tuple(hits))


def mask_abuse(text: str, *, mask: str = "***", hits: tuple[AbuseHit, ...] | None = None) -> str:
    """``text`` with insults, slurs and obscenities replaced by ``mask`` (threats stay).

    ``hits`` are ``detect_abuse(text).hits`` when the caller already has them (``analyze``
    does), so the text is not scored a second time just to be masked.
    """
    if hits is None:
        hits = detect_abuse(text).hits
    spans = [(hit.start, hit.end) for hit in hits if hit.start >= 0 and hit.category != "directed"]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + mask + text[end:]
    return text

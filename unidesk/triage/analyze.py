"""One call that runs every triage signal on a message, privacy first.

``analyze`` redacts PII (``unidesk.triage.pii.redact``) before anything else; language,
sentiment, abuse, laughter and urgency all read the redacted text only, so nothing
downstream ever sees a card number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from unidesk.triage.abuse import detect_abuse, mask_abuse
from unidesk.triage.language import DEFAULT_LANGUAGES, detect_language
from unidesk.triage.laughter import find_laughter
from unidesk.triage.mood import SentimentModel, sentiment
from unidesk.triage.pii import PiiFinding, redact
from unidesk.triage.urgency import urgency

__all__ = ["Analysis", "analyze"]


@dataclass(frozen=True, slots=True)
class Analysis:
    """Every triage signal of one message (all computed on ``redacted``)."""

    redacted: str
    pii: tuple[PiiFinding, ...]
    language: str
    sentiment: str
    sentiment_score: float
    abuse: bool
    abuse_score: float
    masked: str  # ``redacted`` with insults replaced by "***", for showing to agents
    laughter: bool
    urgency: str
    urgency_reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The keys of ``unidesk triage analyze`` output, exactly."""
        return {
            "language": self.language,
            "sentiment": self.sentiment,
            "abuse": self.abuse,
            "abuse_score": self.abuse_score,
            "laughter": self.laughter,
            "urgency": self.urgency,
            "redacted": self.redacted,
            "pii": [{"type": f.type, "start": f.start, "end": f.end} for f in self.pii],
        }


def analyze(
    text: str,
    *,
    fallback_language: str | None = None,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
    repeat_contacts: int = 0,
    phone_region: str | None = None,
    sentiment_model: SentimentModel | None = None,
) -> Analysis:
    """Redact ``text``, then detect language, sentiment, abuse, laughter and urgency.

    ``fallback_language`` is the customer's last known language; ``repeat_contacts`` the
    number of earlier contacts about the same issue; ``phone_region`` the region for phone
    numbers without a country code (pii's default when None); ``sentiment_model`` replaces
    the shipped lexicon (e.g. a model from ``unidesk triage train --task sentiment``).
    """
    redaction = redact(text, default_region=phone_region)
    clean = redaction.text
    laughs = find_laughter(clean)
    abuse = detect_abuse(clean)
    if sentiment_model is not None:
        prediction = sentiment_model.predict(clean)
        mood_label, mood_score = prediction.label, prediction.confidence
    else:
        result = sentiment(clean, laughs=len(laughs), abuse_score=abuse.score)
        mood_label, mood_score = result.label, result.score
    level = urgency(clean, repeat_contacts=repeat_contacts)
    return Analysis(
        redacted=clean,
        pii=redaction.findings,
        language=detect_language(clean, fallback=fallback_language, languages=languages),
        sentiment=mood_label,
        sentiment_score=mood_score,
        abuse=abuse.abusive,
        abuse_score=abuse.score,
        masked=mask_abuse(clean, hits=abuse.hits) if abuse.hits else clean,
        laughter=bool(laughs),
        urgency=level.level,
        urgency_reasons=level.reasons,
    )


def warm_up() -> None:
    """Load the language and morphology models now (seconds of CPU) rather than inside the
    first customer's request."""
    analyze("Hello, where is my parcel? Здравствуйте, где моя посылка?")

"""analyze(): PII is redacted first, and every signal reads only the redacted text."""

from __future__ import annotations

import json

from unidesk.triage.analyze import analyze
from unidesk.triage.mood import Prediction

CARD = "4111 1111 1111 1111"


def test_the_card_number_never_reaches_any_signal() -> None:
    result = analyze(f"Моя карта {CARD}, деньги списали дважды, срочно!")
    assert CARD not in json.dumps(result.to_json(), ensure_ascii=False)
    assert "[card •••• 1111]" in result.redacted
    assert CARD not in result.masked
    [finding] = result.pii
    assert (finding.type, finding.start, finding.end) == ("card", 10, 10 + len(CARD))


def test_json_has_exactly_the_keys_of_the_command() -> None:
    payload = analyze("Hello, my account was hacked!").to_json()
    assert list(payload) == [
        "language", "sentiment", "abuse", "abuse_score", "laughter", "urgency", "redacted",
        "pii",
    ]  # fmt: skip
    assert payload["urgency"] == "urgent"
    assert payload["pii"] == []
    json.dumps(payload)


def test_an_angry_abusive_message_is_read_as_such() -> None:
    result = analyze("Вы идиоты, приложение опять не работает!!!")
    assert result.language == "ru"
    assert result.abuse is True
    assert result.abuse_score >= 0.5
    assert result.sentiment == "negative"
    assert result.urgency == "urgent"
    assert result.masked.startswith("Вы ***")


def test_a_laughing_customer_is_positive_not_abusive() -> None:
    result = analyze("kkkkkkk obrigado, deu certo")
    assert result.laughter is True
    assert result.abuse is False
    assert result.sentiment == "positive"


def test_the_fallback_language_is_used_for_short_text() -> None:
    assert analyze("ok", fallback_language="pt").language == "pt"
    assert analyze("ok").language == "unknown"


def test_repeat_contacts_raise_urgency() -> None:
    assert analyze("where is my order?", repeat_contacts=3).urgency == "high"


def test_a_trained_sentiment_model_replaces_the_lexicon() -> None:
    class Always:
        def predict(self, text: str) -> Prediction:
            assert "4111" not in text  # models, too, see only the redacted text
            return Prediction("negative", 0.9)

    result = analyze(f"Спасибо! {CARD}", sentiment_model=Always())
    assert (result.sentiment, result.sentiment_score) == ("negative", 0.9)

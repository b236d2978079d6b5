"""Language detection: restricted to the desk's languages, honest about short text."""

from __future__ import annotations

import pytest

from unidesk.triage.language import UNKNOWN, detect_language, detector


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Здравствуйте, у меня списали деньги два раза", "ru"),
        ("My card was charged twice, please help", "en"),
        ("Oi, tudo bem? Meu pedido não chegou", "pt"),
        ("Hola, quiero un reembolso de mi pedido", "es"),
        ("Добрий день, у мене проблема з карткою", "uk"),
        ("Сәлеметсіз бе, менің картам бұғатталды", "kk"),
        ("Merhaba, siparişim nerede?", "tr"),
        ("Guten Tag, meine Bestellung ist nicht angekommen", "de"),
        ("Bonjour, ma commande n'est pas arrivée", "fr"),
        ("Buongiorno, il mio ordine non è arrivato", "it"),
        ("مرحبا، لم يصل طلبي", "ar"),
        ("你好，我的订单还没有到", "zh"),
        ("こんにちは、注文が届きません", "ja"),
    ],
)
def test_a_sentence_is_recognised_in_each_default_language(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["ok", "да", "?", "123 456", "👍", "", "[card •••• 1234]"])
def test_too_little_text_is_unknown(text: str) -> None:
    assert detect_language(text) == UNKNOWN


def test_too_little_text_falls_back_to_the_customers_last_language() -> None:
    assert detect_language("ok", fallback="pt") == "pt"


def test_common_short_words_are_recognised() -> None:
    assert detect_language("hello") == "en"
    assert detect_language("спасибо") == "ru"
    assert detect_language("obrigado") == "pt"
    assert detect_language("gracias") == "es"


def test_the_fallback_wins_a_near_tie_but_not_a_clear_case() -> None:
    assert detect_language("Добрий день", fallback="ru") in {"ru", "uk"}
    assert detect_language("Where is my parcel? It is late again", fallback="ru") == "en"


def test_an_ambiguous_text_without_fallback_is_unknown() -> None:
    assert detect_language("hahaha") == UNKNOWN


def test_only_configured_languages_are_returned() -> None:
    result = detect_language("Buongiorno, il mio ordine non è arrivato", languages=("en", "ru"))
    assert result in {"en", "ru", UNKNOWN}


def test_the_detector_is_built_once_per_language_set() -> None:
    assert detector(("en", "ru")) is detector(["ru", "en"])


def test_an_unknown_language_code_is_refused() -> None:
    with pytest.raises(ValueError, match="xx"):
        detector(("en", "xx"))

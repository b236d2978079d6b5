"""Language detection: restricted to the desk's languages, honest about short text."""

from __future__ import annotations

import pytest

from unidesk.triage.language import MAX_CHARS, UNKNOWN, _head, detect_language, detector


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


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ele está aqui.", "pt"),
        ("Temos que conversar.", "pt"),
        ("Hay un problema.", "es"),
        ("Elle est partie.", "fr"),
        ("Ho fame.", "it"),
        ("I'm here.", "en"),
        # A word common to two languages hints neither: English "was", Spanish "tu".
        ("Was good", "en"),
        ("Tu cuenta está bloqueada", "es"),
    ],
)
def test_short_lines_are_told_apart_by_their_function_words(text: str, code: str) -> None:
    # Character statistics alone leave these between two related languages ("unknown").
    assert detect_language(text) == code


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


RU_LINE = "Здравствуйте, у меня списали деньги дважды, верните пожалуйста. "
EN_LINE = "Hello, my parcel has not arrived yet and nobody answers my e-mails. "


def test_text_up_to_the_bound_is_read_whole() -> None:
    text = (RU_LINE * 40)[:MAX_CHARS]
    assert _head(text) is text


def test_a_long_text_is_cut_on_a_space_not_inside_a_word() -> None:
    head = _head(RU_LINE * 200)
    assert len(head) <= MAX_CHARS
    assert (RU_LINE * 200).startswith(head)
    assert head.split()[-1] in RU_LINE.split()


@pytest.mark.parametrize(("line", "code"), [(RU_LINE, "ru"), (EN_LINE, "en")])
def test_a_long_text_in_one_language_keeps_its_language(line: str, code: str) -> None:
    assert detect_language(line * 150) == code


def test_removed_numbers_do_not_fill_the_part_that_is_read() -> None:
    assert detect_language("12345 67890 " * 500 + RU_LINE * 3) == "ru"


def test_a_reply_on_top_of_a_longer_quoted_history_is_read_from_the_top() -> None:
    # The one kind of answer the bound changes: a mix whose later part outweighs its start.
    # Read whole, this e-mail is English (the quote is longer); the customer wrote Russian.
    text = RU_LINE * 30 + "\n> " + ("> ".join([EN_LINE] * 120))
    whole = detector().compute_language_confidence_values(text)[0].language
    assert whole.iso_code_639_1.name.lower() == "en"
    assert detect_language(text) == "ru"

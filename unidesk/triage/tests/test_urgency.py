"""Urgency: playbook topics in four languages, deadlines and repeated contacts."""

from __future__ import annotations

import pytest

from unidesk.triage.urgency import urgency


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Списали деньги дважды", "payments"),
        ("My card was charged twice", "payments"),
        ("Quiero un reembolso", "payments"),
        ("Cadê o estorno da minha compra?", "payments"),
        ("Я подам в суд", "claims"),
        ("I'm contacting my lawyer", "claims"),
        ("Vou registrar uma reclamação no Procon", "claims"),
        ("Меня взломали!", "fraud"),
        ("Someone logged into my account, it was not me", "fraud"),
        ("Fui vítima de golpe", "fraud"),
        ("Приложение не работает", "outage"),
        ("The site is down", "outage"),
        ("I can't log in", "outage"),
        ("O app não funciona", "outage"),
        ("No puedo entrar en mi cuenta", "outage"),
    ],
)
def test_urgent_topics_are_recognised(text: str, topic: str) -> None:
    result = urgency(text)
    assert f"topic:{topic}" in result.reasons
    assert result.level in {"high", "urgent"}


def test_fraud_is_urgent_on_its_own() -> None:
    assert urgency("Меня взломали").level == "urgent"


def test_a_topic_with_a_deadline_or_repeat_is_urgent() -> None:
    assert urgency("Приложение не работает, срочно").level == "urgent"
    assert urgency("Не работает, пишу уже третий раз").level == "urgent"
    assert urgency("My card was charged twice", repeat_contacts=2).level == "urgent"


def test_signals_without_a_topic_raise_to_high() -> None:
    assert urgency("I need an answer today").level == "high"
    result = urgency("where is my order", repeat_contacts=3)
    assert result.level == "high"
    assert "repeat_contacts:3" in result.reasons


def test_ordinary_questions_are_normal_and_thanks_are_low() -> None:
    assert urgency("Hi, how do I change my avatar?").level == "normal"
    assert urgency("Помогите с паролем").level == "normal"
    assert urgency("Спасибо!").level == "low"
    assert urgency("Thanks a lot").level == "low"


def test_calm_words_lower_the_level() -> None:
    assert urgency("Not urgent, but the refund is missing").level == "normal"
    assert urgency("не срочно, вопрос про оплату").level == "normal"

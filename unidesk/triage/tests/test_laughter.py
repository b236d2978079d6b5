"""Laughter in many cultures is found; ordinary words, names and numbers are not."""

from __future__ import annotations

import pytest

from unidesk.triage.laughter import find_laughter, has_laughter

LAUGHS = [
    "хахаха", "ахах", "ХАХАХАХ", "ха-ха-ха", "лол", "кек", "ржунимагу", "kkkk", "kkkkkkkj",
    "rsrsrs", "jajaja", "jajaj", "jsjsjs", "hahaha", "ahahhaha", "ha ha ha", "hehehe",
    "lol", "LOOOL", "lmao", "lmfaooo", "rofl", "xD", "askfhsjkd", "sdjfhsdjfh", "asdasdasd",
    "фывапролд", "h6h6h6", "χαχαχα", "Λολ", "lwkmd", "555", "55555", "wkwkwk", "草",
    "面白いwww", "ｗｗｗ", "哈哈哈", "ㅋㅋㅋ", "هههههه", "huehuehue", "mdr", "😂", "🤣", "😆",
    "mdrrr", "ptdrrr", "гыгы", "гыгыгы", "hhhhh", "хD", "ふふふ", "ははは", "笑死我了", "2333333",
    "asuhasuhas", "auhsuahs", "kekeke", "hshshs", "пхпхпх", "пхахах", "😅", "555 ขำมาก",
    "lololol", "ehehe", "ололо", "бгггг", "kekw", "sjsjsj", "jajsjajs", "jasjajsaj",
    "huahuahua", "ахахпхпх", "I'm dead 💀", "ワロタ", "ฮ่าๆๆ", "ฮ่าฮ่าฮ่า", "คิคิ", "हाहाहा",
    "হাহাহা", "hähähä",
]  # fmt: skip


@pytest.mark.parametrize("text", LAUGHS)
def test_laughter_is_found(text: str) -> None:
    assert has_laughter(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for the quick answer",
        "Спасибо, всё получилось",
        "Dallas", "Alaska", "Haskell", "flasks", "strengths", "rhythms", "salads", "glass",
        "Наташа", "Sasha", "Johanna", "jaguar", "Hakka", "aha", "hah", "heh", "huhu", "xixi",
        "jojo", "провод", "Mikkel", "KKK",
        "RS 123 is my district", "the rs value", "R$ 50", "rs. 500",
        "www.example.com", "https://www.example.com", "заказ 5555", "5555 руб", "$555",
        "Order #555", "555-1234", "order no. 5555", "PIN 5555",
        "Мы из Чечни, доставка работает?", "Olá, meu pedido atrasou",
        "cortar el césped", "草を刈る必要があります",
        "гы", "hhh", "order 23333", "23333 руб", "2333", "はは", "Dr. Smith", "md", "HD video",
        "карта ХХХХ ХХХХ ХХХХ 1234",
        "meeting at 555 Main Street", "Sushi", "hash", "shush", "ushas", "keke", "пх", "Пхукет",
        "asks", "папаха", "jasmine", "Jakarta", "хех", "Ohio", "Lolita", "Kiki",
    ],
)  # fmt: skip
def test_ordinary_words_and_numbers_are_not_laughter(text: str) -> None:
    assert not has_laughter(text), find_laughter(text)


def test_a_laugh_inside_a_sentence_is_located() -> None:
    text = "ну вы даёте ахахаха, ладно"
    [match] = find_laughter(text)
    assert text[match.start : match.end] == "ахахаха"
    assert match.kind == "syllables"


def test_keyboard_smash_is_its_own_kind() -> None:
    assert [m.kind for m in find_laughter("askfhsjkd")] == ["keyboard_smash"]


def test_the_per_word_cache_keeps_words_apart() -> None:
    # Same letters, different case or length: each word keeps its own verdict, in any order.
    for _ in range(2):
        assert has_laughter("kkkk")
        assert not has_laughter("KKK")
        assert has_laughter("kkk")
        assert not has_laughter("ха")
        assert has_laughter("хаха")


def test_links_are_not_laughter() -> None:
    assert find_laughter("see https://example.com/hahaha/kkkk and www.asdfghjkl.com") == []
    # the laugh after a link still counts, at its own offset
    (laugh,) = find_laughter("http://t.co/x ahahaha")
    assert "http://t.co/x ahahaha"[laugh.start : laugh.end] == "ahahaha"

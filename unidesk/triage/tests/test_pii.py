"""Tests for unidesk.triage.pii: what gets redacted, what is left alone, and invariants."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unidesk.triage.pii import (
    DEFAULT_DETECTORS,
    PiiFinding,
    Redaction,
    inn_valid,
    luhn_valid,
    redact,
    snils_valid,
)


def found(text: str, *pairs: tuple[str, str]) -> tuple[PiiFinding, ...]:
    """Expected findings: (type, value) pairs located by their first occurrence in ``text``."""
    result = []
    for kind, value in pairs:
        start = text.index(value)
        result.append(PiiFinding(kind, start, start + len(value)))
    return tuple(result)


# (text, expected redacted text, expected (type, value) findings)
POSITIVE = [
    # cards
    ("Карта 4111 1111 1111 1111, спасибо", "Карта [card •••• 1111], спасибо",
     [("card", "4111 1111 1111 1111")]),
    ("card no: 5555-5555-5555-4444.", "card no: [card •••• 4444].",
     [("card", "5555-5555-5555-4444")]),
    ("оплатил картой 2200000000000004 вчера", "оплатил картой [card •••• 0004] вчера",
     [("card", "2200000000000004")]),
    ("Amex 3782 822463 10005 please", "Amex [card •••• 0005] please",
     [("card", "3782 822463 10005")]),
    ("UnionPay 6222 0210 0000 0000 017", "UnionPay [card •••• 0017]",
     [("card", "6222 0210 0000 0000 017")]),
    ("my card:4111111111111111", "my card:[card •••• 1111]", [("card", "4111111111111111")]),
    # cvv next to a card, and on its own with context
    ("4111 1111 1111 1111 cvv 123", "[card •••• 1111] cvv [cvv]",
     [("card", "4111 1111 1111 1111"), ("cvv", "123")]),
    ("CVC2: 4321", "CVC2: [cvv]", [("cvv", "4321")]),
    ("cvc2 123", "cvc2 [cvv]", [("cvv", "123")]),
    # a range the numbering plan does not list yet, written with its country code
    ("Алматы: +7 727 123 4567", "Алматы: [phone]", [("phone", "+7 727 123 4567")]),
    ("CVV2 - 0456 please", "CVV2 - [cvv] please", [("cvv", "0456")]),
    ("cvc-код 987", "cvc-код [cvv]", [("cvv", "987")]),
    ("код безопасности — 555", "код безопасности — [cvv]", [("cvv", "555")]),
    ("Код на обороте карты: 042.", "Код на обороте карты: [cvv].", [("cvv", "042")]),
    ("the security code is 7788", "the security code is [cvv]", [("cvv", "7788")]),
    # IBAN
    ("IBAN DE89 3704 0044 0532 0130 00 thanks", "IBAN [iban] thanks",
     [("iban", "DE89 3704 0044 0532 0130 00")]),
    ("переведите на GB82WEST12345698765432", "переведите на [iban]",
     [("iban", "GB82WEST12345698765432")]),
    ("fr1420041010050500013m02606 (lower case)", "[iban] (lower case)",
     [("iban", "fr1420041010050500013m02606")]),
    # e-mail
    ("write to john.smith+desk@example.co.uk.", "write to [email].",
     [("email", "john.smith+desk@example.co.uk")]),
    ("почта иван.петров@почта.рф, ответьте", "почта [email], ответьте",
     [("email", "иван.петров@почта.рф")]),
    # phones
    ("звоните 8 (912) 345-67-89 после 18:00", "звоните [phone] после 18:00",
     [("phone", "8 (912) 345-67-89")]),
    ("my number is +7 912 345-67-89", "my number is [phone]", [("phone", "+7 912 345-67-89")]),
    ("WhatsApp +44 20 7946 0958", "WhatsApp [phone]", [("phone", "+44 20 7946 0958")]),
    ("тел. 9123456789", "тел. [phone]", [("phone", "9123456789")]),
    ("номер 89123456789 не отвечает", "номер [phone] не отвечает", [("phone", "89123456789")]),
    # Russian passport
    ("паспорт 45 06 123456", "паспорт [passport]", [("ru_passport", "45 06 123456")]),
    ("Паспорт серия 4506 номер 123456, выдан", "Паспорт серия [passport], выдан",
     [("ru_passport", "4506 номер 123456")]),
    ("passport: 4506123456", "passport: [passport]", [("ru_passport", "4506123456")]),
    # SNILS
    ("СНИЛС 123-456-789 64", "СНИЛС [snils]", [("snils", "123-456-789 64")]),
    ("snils 11223344595", "snils [snils]", [("snils", "11223344595")]),
    ("мой снилс 000-123-456 77", "мой снилс [snils]", [("snils", "000-123-456 77")]),
    # INN
    ("ИНН 7707083893, КПП 773601001", "ИНН [inn], КПП 773601001", [("inn", "7707083893")]),
    ("inn: 500100732259", "inn: [inn]", [("inn", "500100732259")]),
    ("ИП Иванов, 500100732259", "ИП Иванов, [inn]", [("inn", "500100732259")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected", "pairs"), POSITIVE)
def test_pii_is_replaced_by_its_token(
    text: str, expected: str, pairs: list[tuple[str, str]]
) -> None:
    result = redact(text)
    assert result.text == expected
    assert result.findings == found(text, *pairs)


NEGATIVE = [
    "Заказ 4111 1111 1111 1112 оплачен",  # 16 digits, fails Luhn: an order number
    "order 1234567890123456",
    "Доставка 2024-03-15, оплата 15.03.2024 в 12:30",
    "Списали 12 500,00 ₽ и ещё 1 234 567,89 руб.",
    "трек-номер RA123456789CN",
    "номер 4506 123456 из накладной",  # passport-shaped but no passport context
    "ИНН 7707083894",  # bad control digit
    "inn 500100732258",
    "IBAN GB82 WEST 1234 5698 7654 31",  # bad mod-97
    "заказ 9123456789",  # bare 10 digits: an order, not a phone
    "cvv 12 и 12345",  # cvv must be 3-4 digits
    "cvv2 12345",
    "баланс +1 234,56 ₽, рост +15% за год, дата +2024-03-15",
    "код 123",  # no card context
    "паспорт 4506 12345",  # too short
    "СНИЛС 123-456-789 65",  # bad checksum
    "Order #1234 5678 was shipped in 2 boxes of 12 items",
    "Ticket 123456 — 2 x 450 руб, итого 900",
    "Write me at john at example dot com",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_lookalikes_are_left_alone(text: str) -> None:
    assert redact(text) == Redaction(text, ())


def test_exact_offsets_for_a_message_with_several_kinds() -> None:
    text = "Card 4111 1111 1111 1111, CVV 123, mail a@b.ru, тел +7 912 345-67-89"
    result = redact(text)
    assert result.findings == (
        PiiFinding("card", 5, 24),
        PiiFinding("cvv", 30, 33),
        PiiFinding("email", 40, 46),
        PiiFinding("phone", 52, 68),
    )
    assert result.text == "Card [card •••• 1111], CVV [cvv], mail [email], тел [phone]"


def test_findings_slice_the_original_text_to_the_pii_value() -> None:
    text = (
        "Здравствуйте! Паспорт 45 06 123456, ИНН 7707083893, СНИЛС 112-233-445 95. "
        "Карта 5555 5555 5555 4444 (cvv 321), IBAN DE89370400440532013000, "
        "почта ivan@example.com, телефон 8 (912) 345-67-89."
    )
    result = redact(text)
    values = {f.type: text[f.start : f.end] for f in result.findings}
    assert values == {
        "ru_passport": "45 06 123456",
        "inn": "7707083893",
        "snils": "112-233-445 95",
        "card": "5555 5555 5555 4444",
        "cvv": "321",
        "iban": "DE89370400440532013000",
        "email": "ivan@example.com",
        "phone": "8 (912) 345-67-89",
    }
    assert [f.start for f in result.findings] == sorted(f.start for f in result.findings)


def test_a_card_printed_in_fours_with_dots_is_found_but_dotted_amounts_are_not() -> None:
    assert redact("card 4111.1111.1111.1111.").text == "card [card •••• 1111]."
    for plain in ("1.234.567.890.123 руб", "4111.1111.1111.1112", "v4111.1111.1111.1111.5"):
        assert redact(plain).text == plain


@pytest.mark.parametrize(
    "spelled",
    ["ivan [at] mail [dot] ru", "ivan(at)mail.ru", "ivan собака mail.ru", "anna{at}gmail.com",
     "john.doe (at) example (dot) co (dot) uk", "j.doe [@] corp.example.com"],
)  # fmt: skip
def test_an_e_mail_address_spelled_out_is_redacted(spelled: str) -> None:
    result = redact(f"пишите на {spelled}, жду")
    assert result.text == "пишите на [email], жду"
    assert redact(result.text).text == result.text


@pytest.mark.parametrize(
    "text",
    ["meet at home dot", "look at me", "price (at) 5 dollars", "собака лает",
     "ivan [at] mail", "see [at] least one", "моя собака gmail.com не работает"],
)  # fmt: skip
def test_words_like_at_and_dot_alone_are_not_an_address(text: str) -> None:
    assert redact(text).text == text


def test_a_card_in_the_digits_of_another_script_is_found_and_shown_in_ascii() -> None:
    fullwidth = redact("card４１１１ １１１１ １１１１ １１１１, thanks")
    assert fullwidth.text == "card[card •••• 1111], thanks"
    assert [(f.type, f.start, f.end) for f in fullwidth.findings] == [("card", 4, 23)]
    arabic = redact("بطاقتي ٤١١١١١١١١١١١١١١١ و الطلب ١٢٣")
    assert arabic.text == "بطاقتي [card •••• 1111] و الطلب ١٢٣"  # the order number stays
    assert redact("заказ ١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦").text == "заказ ١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦"  # Luhn fails
    assert redact("тел. +７ ９１６ １２３-４５-６７").text == "тел. [phone]"


@pytest.mark.parametrize(
    "text",
    [
        "4111  1111  1111  1111",
        "4111 - 1111 - 1111 - 1111",
        "4111\t1111\t1111\t1111",
        "4111   1111-1111 1111",
    ],
)
def test_a_card_with_any_spacing_or_dashes_between_its_groups_is_found(text: str) -> None:
    assert redact(f"card {text}, thanks").text == "card [card •••• 1111], thanks"


def test_an_iban_in_dashed_groups_and_an_address_with_spaces_round_the_at_are_found() -> None:
    assert redact("IBAN: DE89-3704-0044-0532-0130-00").text == "IBAN: [iban]"
    assert redact("IBAN: DE88-3704-0044-0532-0130-00").text == "IBAN: DE88-3704-0044-0532-0130-00"
    assert redact("mail ivan.petrov @ gmail.com now").text == "mail [email] now"
    assert redact("meet @ 5pm, price @ 5.99").text == "meet @ 5pm, price @ 5.99"


def test_two_phone_numbers_on_two_lines_are_not_read_as_one_card() -> None:
    assert redact("8 912 345 67 89\n8 912 345 67 90").text == "[phone]\n[phone]"


def test_two_numbers_separated_by_words_are_not_glued_into_a_card() -> None:
    # 4111 1111 + 1111 1111 would be Luhn-valid if glued across the words.
    text = "заказы 4111 1111 и 1111 1111"
    assert redact(text).text == text


def test_a_card_glued_to_a_neighbouring_number_is_still_found() -> None:
    assert redact("x2 4111 1111 1111 1111").text == "x2 [card •••• 1111]"


def test_a_card_inside_a_longer_chain_is_not_read_as_a_phone() -> None:
    text = "Карта 4111 1111 1111 1111"
    assert [f.type for f in redact(text).findings] == ["card"]


def test_overlapping_findings_keep_the_longest_and_never_double_replace() -> None:
    # The e-mail local part is itself a Luhn-valid number; the longer e-mail wins.
    text = "4111111111111111@bank.example"
    assert redact(text) == Redaction("[email]", (PiiFinding("email", 0, len(text)),))


def test_a_number_freed_by_redacting_its_neighbour_is_caught_too() -> None:
    text = "паспорт 4506 123456 4111 1111 1111 1111"
    assert redact(text).text == "паспорт [passport] [card •••• 1111]"


def test_phone_region_defaults_to_russia_and_zz_means_international_only() -> None:
    text = "звоните 8 (912) 345-67-89 или +44 20 7946 0958"
    assert redact(text).text == "звоните [phone] или [phone]"
    assert redact(text, default_region="ZZ").text == "звоните 8 (912) 345-67-89 или [phone]"


def test_numbers_dialled_with_00_are_international_even_where_the_prefix_is_810() -> None:
    text = "позвоните 0049 30 1234567 или 0044 20 7946 0958"
    assert redact(text).text == "позвоните [phone] или [phone]"  # Russia dials out with 810
    for plain in ("заказ 0012345678", "order 00123456789 shipped", "итого 100 000 руб"):
        assert redact(plain).text == plain


def test_a_desk_in_several_countries_reads_each_ones_national_numbers() -> None:
    text = "ligue (11) 91234-5678 ou 8 (912) 345-67-89"
    assert redact(text, default_region="RU,BR").text == "ligue [phone] ou [phone]"
    assert redact(text).text == "ligue (11) 91234-5678 ou [phone]"  # Russia only
    assert redact("заказ 9123456789", default_region="RU,BR").text == "заказ 9123456789"


def test_the_desks_phone_regions_come_from_its_settings(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ImproperlyConfigured

    from unidesk.triage import pii
    from unidesk.triage.apps import configure_phone_regions

    monkeypatch.setattr(pii, "DEFAULT_PHONE_REGION", pii.DEFAULT_PHONE_REGION)
    settings.UNIDESK_PHONE_REGIONS = ["RU", "BR"]
    configure_phone_regions()
    assert redact("ligue (11) 91234-5678").text == "ligue [phone]"

    settings.UNIDESK_PHONE_REGIONS = ["RU", "XX"]
    with pytest.raises(ImproperlyConfigured, match="XX"):
        configure_phone_regions()


def test_default_region_reads_national_numbers_of_that_country() -> None:
    assert redact("see 020 7946 0958", default_region="GB").text == "see [phone]"
    assert redact("see 020 7946 0958").text == "see 020 7946 0958"  # not a Russian number


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("call 020 7946 0958", "call [phone]"),  # British, on a desk in Russia
        ("My phone is 07911 123456", "My phone is [phone]"),
        ("call me at 0412 345 678", "call me at [phone]"),
        ("contact me, my number: (02) 9876 5432", "contact me, my number: [phone]"),
        ("тел. 06-12345678, спасибо", "тел. [phone], спасибо"),
        # named by a phone word, but not a phone
        ("call about order 123456789", "call about order 123456789"),
        ("тел. заказа 123456789", "тел. заказа 123456789"),
        ("call me on 12.05.2024 at 14:30", "call me on 12.05.2024 at 14:30"),
        ("phone bill 2024-05-12", "phone bill 2024-05-12"),
        ("phone 123 45", "phone 123 45"),  # too short
        ("пользователь 12345678 вошёл", "пользователь 12345678 вошёл"),  # "тел" in a word
        ("отель 1234567", "отель 1234567"),
        ("пользователь 9123456789", "пользователь 9123456789"),  # a Russian-valid number too
    ],
)
def test_a_number_a_phone_word_names_is_a_phone_in_any_country(text: str, redacted: str) -> None:
    assert redact(text).text == redacted
    assert redact(text, default_region="ZZ").text == text  # ZZ: only numbers written with +


def test_custom_detectors_extend_the_default_list() -> None:
    def find_order_ids(text: str, *, region: str) -> Iterator[PiiFinding]:
        for match in re.finditer(r"ORD-\d+", text):
            yield PiiFinding("order_id", match.start(), match.end())

    result = redact("ORD-42, a@b.ru", detectors=[*DEFAULT_DETECTORS, find_order_ids])
    assert result.text == "[order_id], [email]"
    assert redact(result.text, detectors=[*DEFAULT_DETECTORS, find_order_ids]) == Redaction(
        result.text, ()
    )


def test_a_detector_returning_offsets_outside_the_text_is_an_error() -> None:
    def broken(text: str, *, region: str) -> list[PiiFinding]:
        return [PiiFinding("x", 0, len(text) + 1)]

    with pytest.raises(ValueError, match="out-of-range"):
        redact("abc", detectors=[broken])


def test_checksum_helpers_follow_the_official_algorithms() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert snils_valid("11223344595") and not snils_valid("11223344596")
    assert snils_valid("00100199800")  # at or below 001-001-998 there is no checksum
    assert snils_valid("12345678964")  # sum 165 > 101 -> 165 % 101 = 64
    assert inn_valid("7707083893") and not inn_valid("7707083894")
    assert inn_valid("500100732259") and not inn_valid("500100732258")
    assert not inn_valid("12345678901")  # 11 digits is never an INN


# --------------------------------------------------------------------------- properties

WORDS = [
    "hello", "order", "card", "cvv", "paid", "refund", "заказ", "карта", "оплата", "паспорт",
    "ИНН", "тел", "номер", "спасибо", "руб", "код", "от", "и", "№", "x", "—",
]  # fmt: skip
# Groups joined by up to three spaces, or by a dash with up to two spaces on either side.
_RUN_RE = re.compile(r"[0-9]+(?:(?:[ \t]{1,3}|[ \t]{0,2}-[ \t]{0,2})[0-9]+)*")


def luhn_runs(text: str) -> list[str]:
    """Every run of whole digit groups (joined by single spaces/dashes) that looks like a
    card, in any script's decimal digits."""
    text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    bad = []
    for chain in _RUN_RE.finditer(text):
        groups = re.findall("[0-9]+", chain.group())
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                digits = "".join(groups[i:j])
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn_valid(digits):
                    bad.append(digits)
    return bad


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    body = draw(st.text("0123456789", min_size=12, max_size=18))
    digits = next(body + d for d in "0123456789" if luhn_valid(body + d))
    sep = draw(st.sampled_from(["", " ", "-", "  ", " - ", "\t"]))
    sizes = draw(st.sampled_from([[4], [4, 6], [3], [len(digits)], [1, 2, 3, 4, 5]]))
    groups, at, k = [], 0, 0
    while at < len(digits):
        size = sizes[k % len(sizes)]
        groups.append(digits[at : at + size])
        at, k = at + size, k + 1
    script = draw(st.sampled_from(DIGIT_SCRIPTS))  # mostly ASCII, sometimes another script
    return sep.join(groups).translate({48 + n: script + n for n in range(10)})


# The code point of "0" in ASCII (most often), fullwidth, Arabic-Indic, Devanagari, Thai.
DIGIT_SCRIPTS = [0x30, 0x30, 0x30, 0xFF10, 0x0660, 0x0966, 0x0E50]


messages = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.text("0123456789", min_size=1, max_size=8),
        card_numbers(),
    ),
    max_size=12,
).flatmap(
    lambda parts: st.lists(
        st.sampled_from([" ", " ", "-", ", ", ". ", "\n"]),
        min_size=len(parts),
        max_size=len(parts),
    ).map(lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True)))
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(messages)
def test_redacted_text_never_contains_a_luhn_valid_card_run(text: str) -> None:
    assert luhn_runs(redact(text).text) == []


@FAST
@given(messages)
def test_redacting_twice_changes_nothing(text: str) -> None:
    once = redact(text)
    assert redact(once.text) == Redaction(once.text, ())


@FAST
@given(messages)
def test_findings_are_sorted_disjoint_and_rebuild_the_text(text: str) -> None:
    result = redact(text)
    rebuilt, position = [], 0
    for finding in result.findings:
        assert position <= finding.start < finding.end
        rebuilt.append(text[position : finding.start])
        chunk = text[finding.start : finding.end]
        digits = "".join(str(unicodedata.decimal(c)) for c in chunk if c.isdecimal())
        rebuilt.append(
            f"[card •••• {digits[-4:]}]"
            if finding.type == "card"
            else {"ru_passport": "[passport]"}.get(finding.type, f"[{finding.type}]")
        )
        position = finding.end
    rebuilt.append(text[position:])
    assert "".join(rebuilt) == result.text


@FAST
@given(st.text(st.characters(exclude_categories=("Nd", "Cs"), exclude_characters="@")))
def test_text_without_digits_or_at_sign_is_returned_unchanged(text: str) -> None:
    assert redact(text) == Redaction(text, ())
    # also through the detectors themselves, bypassing the fast path
    assert redact(text, detectors=DEFAULT_DETECTORS) == Redaction(text, ())

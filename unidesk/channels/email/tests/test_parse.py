"""parse(): real-world shapes of mail, from samples of our own making (samples/)."""

from __future__ import annotations

import base64
from email.headerregistry import Address

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unidesk.channels.email.charsets import decode_text
from unidesk.channels.email.headers import decode_words, parse_addresses, split_message
from unidesk.channels.email.parse import parse, parse_email
from unidesk.channels.email.tests.conftest import sample
from unidesk.channels.email.text import html_to_text, split_reply

# file: (sender, display name, subject, start of the new text, attachments, flags)
EXPECTED = {
    "ru_koi8r.eml": (
        "ivan.petrov@example.ru", "Иван Петров", "Не могу войти в личный кабинет",
        "Здравствуйте!", 0, set(),
    ),
    "ru_cp1251_raw_headers.eml": (
        "m.smirnova@example.ru", "Мария Смирнова", "Возврат денег за заказ 4471",
        "Добрый день.", 0, set(),
    ),
    "ru_cp1251_undeclared.eml": (
        "oleg@example.ru", "", "Доставка", "Где моя посылка?", 0, set(),
    ),
    "outlook_html.eml": (
        "peter.jones@acme.example", "Peter Jones", "RE: Invoice [#17]", "Hello,", 1,
        {"has_quote"},
    ),
    "ios_reply_ru.eml": (
        "ivan.petrov@example.ru", "Иван Петров", "Re: Не могу войти в личный кабинет [#12]",
        "Спасибо, теперь всё работает!", 0, {"has_quote"},
    ),
    "gmail_reply.eml": (
        "ann.lee@gmail.example", "Ann Lee", "Re: Charged twice [#5]",
        "Thanks, the refund arrived this morning.", 0, {"has_quote"},
    ),
    "utf8_raw_headers.eml": (
        "zoe@example.de", "Zoë Müller-Łukasiewicz",
        "Bestellung Nr. 88 – Lieferung fehlt / 配送が届かない", "Meine Bestellung", 0, set(),
    ),
    "adjacent_encoded_words.eml": (
        "ola.souza@example.br", "Olá Souza", "Счёт №123 не пришёл (fatura)",
        "A fatura não chegou.", 0, set(),
    ),
    "name_as_comment.eml": (
        "ken.adams@example.com", "Ken Adams", "Password reset link expired", "The reset link",
        0, set(),
    ),
    "broken_header_block.eml": (
        "lena.fischer@example.net", "Lena Fischer", "Cannot download my invoice",
        "Hello, the download button", 0, set(),
    ),
    "nameless_attachment.eml": (
        "raj@example.in", "Raj Patel", "Screenshot of the error", "Please see the screenshot",
        2, set(),
    ),
    "dsn_bounce.eml": (
        "MAILER-DAEMON@mx.demo.unidesk.local", "Mail Delivery System",
        "Undelivered Mail Returned to Sender", "This is the mail system", 1, {"bounce"},
    ),
    "vacation_autoreply_ru.eml": (
        "a.volkova@example.ru", "Анна Волкова", "Автоматический ответ: Re: Доставка [#30]",
        "Я в отпуске до 16 марта.", 0, {"auto_reply"},
    ),
    "no_message_id.eml": (
        "tom@example.com", "Tom", "No id on this one", "Some mail servers", 0, set(),
    ),
    # raw GBK header bytes while the body declares latin-1: the headers' own charset wins
    "gbk_raw_headers_latin1_body.eml": (
        "wang.xiaoming@example.cn", "王小明", "订单 3021 的发票还没有收到", "Hello, the invoice",
        0, set(),
    ),
    # raw Shift_JIS subject in a mail that declares 7-bit iso-2022-jp
    "sjis_raw_subject_iso2022jp.eml": (
        "yamada@example.jp", "山田 花子", "ログインできません", "パスワードを変更してから",
        0, set(),
    ),
    # spam with a broken From line first: the first From that names a mailbox counts
    "two_from_headers.eml": (
        "li.si@example.net", "李四", "Two From lines", "The first From line has no address",
        0, set(),
    ),
    # raw windows-1252 subject, no Content-Type: the charset of the encoded From name
    # tells which code page it is (cp1250 would read "Verăo")
    "pt_cp1252_raw_subject_encoded_from.eml": (
        "joao.conceicao@example.pt", "João Conceição",
        "Promoção de Verão: não recebi o cupão", "Bom dia, o cupao", 0, set(),
    ),
    # a line of blanks inside a folded To: the headers go on after it
    "blank_line_in_folded_header.eml": (
        "nora.berg@example.no", "Nora Berg", "Invoice 5521 charged twice",
        "Hello, my card was charged twice", 0, set(),
    ),
    # raw iso-8859-2 headers, nothing declared: the accented letters of one language
    "cs_iso8859_2_raw_headers.eml": (
        "jiri.dvorak@example.cz", "Jiří Dvořák", "Objednávka č. 118 ještě nedorazila",
        "Dobrý den, objednávka č. 118 ještě", 0, set(),
    ),
    # a UTF-8 byte order mark before the headers, an empty Subject before the real one
    "bom_before_headers.eml": (
        "mei.tanaka@example.jp", "Mei Tanaka", "Export from the web form",
        "This mail was saved by a web form", 0, set(),
    ),
    # Outlook cut the name, which is an address, short: the bracketed one is the mailbox
    "name_written_like_address.eml": (
        "marco.rossi@example.it", "marco.rossi@examp", "R: R: Preventivo 2026",
        "Buongiorno, confermo il preventivo.", 0, set(),
    ),
    # raw latin-1 letters inside an encoded word, a web form's mailto: sender
    "raw_8bit_inside_encoded_word.eml": (
        "kontakt@example.at", "", "Grüße aus Wien – Rechnung fehlt",
        "Sehr geehrte Damen und Herren", 0, set(),
    ),
}  # fmt: skip
KNOWN_FLAGS = {"auto_reply", "bounce", "unparseable", "has_quote"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_reads_each_sample_as_a_careful_mail_client_shows_it(name: str) -> None:
    address, display, subject, text_start, attachments, flags = EXPECTED[name]

    inbound = parse(sample(name))

    assert inbound.channel == "email"
    assert inbound.identities == (("email", address),)
    assert inbound.sender_name == display
    assert inbound.subject == subject
    assert inbound.text.startswith(text_start), inbound.text
    assert len(inbound.attachments) == attachments
    assert {k for k, v in inbound.flags.items() if v and k in KNOWN_FLAGS} == flags


def test_the_new_text_is_kept_apart_from_quoted_history_and_signature() -> None:
    ios = parse_email(sample("ios_reply_ru.eml"))
    assert ios.inbound.text == "Спасибо, теперь всё работает!"
    assert ios.signature == "Отправлено с iPhone"
    assert ios.quoted_text.startswith("> 2 марта 2026 г., в 13:40, Unidesk Support")

    gmail = parse_email(sample("gmail_reply.eml"))
    assert gmail.inbound.text == "Thanks, the refund arrived this morning.\n\nBest,\nAnn"
    assert gmail.quoted_text.startswith("On Mon, 2 Mar 2026 at 10:05, Unidesk Support")

    outlook = parse_email(sample("outlook_html.eml"))
    assert outlook.inbound.text.endswith("Kind regards,\nPeter Jones")
    assert outlook.quoted_text.startswith("From: Unidesk Support <support@demo.unidesk.local>")


def test_outlook_html_is_kept_sanitised_with_its_inline_image() -> None:
    parsed = parse_email(sample("outlook_html.eml"))
    html = parsed.inbound.html

    assert "<script" not in html and "alert(" not in html
    assert "mso-" not in html and "<style" not in html and "<!--" not in html
    assert 'src="cid:image001.png@01DA6C2B.5E6F7A80"' in html
    assert parsed.inline == {"image001.png@01DA6C2B.5E6F7A80": "image001.png"}
    (image,) = parsed.inbound.attachments
    assert (image.filename, image.content_type) == ("image001.png", "image/png")
    assert image.content.startswith(b"\x89PNG")


def test_threading_ids_come_from_the_headers_and_the_subject() -> None:
    parsed = parse_email(sample("outlook_html.eml"))

    assert parsed.inbound.external_id == (
        "<DB9PR10MB1234ABCDEF@DB9PR10MB1234.EURPRD10.PROD.OUTLOOK.COM>"
    )
    assert parsed.thread_ids == (
        "<unidesk.17.41.1a2b3c4d5e@demo.unidesk.local>",
        "<first-mail@acme.example>",
    )
    assert parsed.inbound.ticket_ref == 17


def test_a_mail_without_message_id_gets_the_same_id_however_it_arrives() -> None:
    raw = sample("no_message_id.eml")
    as_imap_stores_it = b"Return-Path: <tom@example.com>\r\nDelivered-To: support@x\r\n" + (
        raw.replace(b"\n", b"\r\n")
    )
    first = parse(raw).external_id
    assert first is not None and first.endswith("@no-message-id.unidesk>")
    assert parse(as_imap_stores_it).external_id == first
    assert parse(raw.replace(b"Some mail", b"Other mail")).external_id != first


def test_nameless_parts_get_sensible_names() -> None:
    names = [a.filename for a in parse(sample("nameless_attachment.eml")).attachments]
    assert names == ["image-1.png", "attachment-1.pdf"]


def test_a_delivery_status_notification_names_the_bounced_mail() -> None:
    bounce = parse_email(sample("dsn_bounce.eml")).bounce

    assert bounce is not None
    assert bounce.original_message_id == "<unidesk.21.77.9f8e7d6c5b@demo.unidesk.local>"
    assert bounce.recipients == ("gone@example.org",)
    assert bounce.status == "5.1.1"
    assert bounce.permanent is True
    assert bounce.diagnostic.startswith("550 5.1.1 <gone@example.org>: Recipient address")


def test_auto_replies_are_recognised_by_header_and_by_subject() -> None:
    by_header = parse_email(sample("vacation_autoreply_ru.eml"))
    assert by_header.auto_reply == "Auto-Submitted: auto-replied"

    by_subject = parse_email(
        b"From: a@example.com\nSubject: Out of Office: Re: Invoice\n\nBack on Monday.\n"
    )
    assert by_subject.auto_reply.startswith("Subject:")
    bulk = parse_email(b"From: a@example.com\nPrecedence: bulk\nSubject: News\n\nHi\n")
    assert bulk.auto_reply == "Precedence: bulk"
    person = parse_email(b"From: a@example.com\nAuto-Submitted: no\nSubject: Hi\n\nHi\n")
    assert person.auto_reply == ""


def test_junk_is_kept_raw_and_flagged_for_a_human() -> None:
    raw = sample("unparseable_junk.eml")
    inbound = parse(raw)

    assert inbound.flags["unparseable"] is True
    assert inbound.identities[0][0] == "external"
    assert inbound.attachments[-1].filename == "original.eml"
    assert inbound.attachments[-1].content == raw


def test_a_mail_with_no_content_at_all_keeps_its_original() -> None:
    inbound = parse(b"From: a@example.com\nSubject: empty\nMessage-ID: <e@x>\n\n")

    assert inbound.flags["unparseable_reason"] == "no text, HTML or attachment"
    assert [a.filename for a in inbound.attachments] == ["original.eml"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"ann@example.com (Ann Lee)", ("Ann Lee", "ann@example.com")),
        (b'"Lee, Ann" <ann@example.com>', ("Lee, Ann", "ann@example.com")),
        (b"Ann Lee <ann@example.com>", ("Ann Lee", "ann@example.com")),
        (b"<ann@example.com>", ("", "ann@example.com")),
        (b"ann@example.com", ("", "ann@example.com")),
        (b"=?utf-8?Q?Ann_L=C3=A9e?= <ann@example.com>", ("Ann Lée", "ann@example.com")),
        (b'"=?utf-8?B?0JDQvdC90LA=?=" <anna@example.ru>', ("Анна", "anna@example.ru")),
        ("Анна <anna@example.ru>".encode("koi8-r"), ("Анна", "anna@example.ru")),
        (b"Ann Lee ann@example.com", ("Ann Lee", "ann@example.com")),
        (b"undisclosed-recipients:;", None),
        # a quoted local part, and a stray ">" after it
        (b'"Ann Lee"@example.com>', ("", '"Ann Lee"@example.com')),
        # spaces in a bracketed local part are shown as written
        (b'"Promo" <best deals today@example.com>', ("Promo", "best deals today@example.com")),
        # an encoded word standing for a plain local part is decoded ...
        (b"=?utf-8?Q?ann?=@example.com", ("", "ann@example.com")),
        # ... one that would smuggle in an @ or a malformed one is left as written
        (
            b"=?utf-8?Q?boss=40bank.example?=@evil.example",
            ("", "=?utf-8?Q?boss=40bank.example?=@evil.example"),
        ),
        (b"=?utf-8?Q?ann?Q?lee?=@example.com", ("", "=?utf-8?Q?ann?Q?lee?=@example.com")),
        # a trailing dot in the domain is kept: it is what the sender wrote
        (b'"Ann" <ann@example.com.>', ("Ann", "ann@example.com.")),
        # web forms: a mailto: link for an address, an address for a name and an empty <>
        (b"<mailto:ann@example.com>", ("", "ann@example.com")),
        (b"ann@example.com <mailto:ann@example.com>", ("", "ann@example.com")),
        (b'"ann@example.com" <>', ("", "ann@example.com")),
        # a name written like an address, unquoted, before the real one
        (b"ann.lee@exa <ann.lee@example.com>", ("ann.lee@exa", "ann.lee@example.com")),
    ],
)
def test_addresses_are_read_like_a_mail_client(header: bytes, expected: object) -> None:
    found = parse_addresses(header, hint="koi8-r")
    assert ((found[0].name, found[0].address) if found else None) == expected


def test_adjacent_encoded_words_join_without_the_space_between() -> None:
    assert decode_words("=?utf-8?q?Hello?= =?utf-8?q?_world?=") == "Hello world"
    # raw 8-bit letters inside a Q word (already decoded with the header) come out whole
    assert decode_words("=?iso-8859-1?Q?Gr\u00fc\u00dfe_aus?= Wien") == "Grüße aus Wien"
    assert decode_words("=?utf-8?q?a?= b =?utf-8?q?c?=") == "a b c"
    # one character split across two words
    assert decode_words("=?utf-8?B?0J8=?= =?utf-8?B?0YA=?=") == "Пр"


def test_a_broken_header_block_is_repaired_for_the_mime_parser() -> None:
    headers, _block, body = split_message(
        b"From x Mon\nFrom:a@b.example\nstray line\nSubject : hi\nContent-Type: text/plain\n"
        b"Body starts without a blank line\nsecond line\n"
    )
    assert headers.get("subject") == b"hi"
    assert headers.get("from") == b"a@b.example stray line"
    assert body.startswith(b"Body starts without a blank line")


def test_a_line_of_blanks_ends_the_headers_only_when_no_header_follows() -> None:
    headers, _block, body = split_message(
        b"To: a@b.example,\n \n\tc@d.example\nSubject: hi\n\nBody\n"
    )
    assert headers.get("subject") == b"hi"
    assert body == b"Body\n"
    headers, _block, body = split_message(b"Subject: hi\n \nDear team,\nNote: see below\n")
    assert headers.get("subject") == b"hi"
    assert headers.get("note") is None
    assert body == b"Dear team,\nNote: see below\n"


def test_an_indented_first_header_line_is_still_a_header() -> None:
    headers, _block, body = split_message(
        b" From: Ann Lee <ann@example.com>\nSubject: hi\n\nBody\n"
    )
    assert headers.get("from") == b"Ann Lee <ann@example.com>"
    assert body == b"Body\n"


def test_iso_2022_jp_is_read_with_the_windows_extensions() -> None:
    # NEC row 13 (No., circled digits) is missing from Python's codec; mail clients
    # read it as Windows does (CP50220)
    encoded = b'\x1b$B-b\x1b(B1 \x1b$B-!-"\x1b(B \x1b$B;3ED\x1b(B'
    word = "=?iso-2022-jp?B?" + base64.b64encode(encoded).decode() + "?="
    assert decode_words(word) == "№1 ①② 山田"


def test_charsets_are_guessed_when_undeclared_or_wrong() -> None:
    text = "Привет, как дела? Всё хорошо."
    assert decode_text(text.encode("cp1251")) == text
    assert decode_text(text.encode("koi8-r")) == text
    assert decode_text(text.encode("utf-8"), "us-ascii") == text
    assert decode_text(text.encode("utf-8"), "x-unknown") == text


@pytest.mark.parametrize(
    ("text", "charset", "hint"),
    [
        ("Grüße aus München", "cp1252", ""),
        ("Zażółć gęślą jaźń", "cp1250", ""),
        ("Счёт на оплату", "koi8-r", "windows-1251"),
        ("Да", "cp1251", ""),
        ("转发：整体提升企业服务水平", "gbk", "iso-8859-1"),
        ("张三", "gbk", "gb2312"),
        ("中文測試郵件", "big5", ""),
        ("안녕하세요 고객님", "euc-kr", ""),
        ("ツール", "shift_jis", "iso-2022-jp"),
        ("お問い合わせ", "shift_jis", ""),
        ("ありがとうございます", "euc-jp", ""),
        ("Вопрос по заказу", "cp866", ""),
        ("Україна", "koi8-u", ""),
        ("Καλημέρα σας", "iso-8859-7", ""),
        ("Türkçe öğrenmek çok güzel", "cp1254", ""),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy", "iso-8859-2", ""),
        ("Je n'ai pas reçu ma commande, très cordialement", "cp1252", ""),
        ("Prix: 100 €", "cp1252", ""),
        ("Заказ №5", "cp1251", ""),
    ],
)
def test_raw_8bit_text_is_read_in_the_charset_it_reads_best_in(
    text: str, charset: str, hint: str
) -> None:
    assert decode_text(text.encode(charset), hint=hint) == text


def test_a_mail_whose_html_shows_nothing_is_kept_raw_and_flagged() -> None:
    parsed = parse_email(sample("html_without_visible_text.eml"))

    assert parsed.unparseable == "no text, HTML or attachment"
    assert parsed.inbound.sender_address == "robot@example.org"
    assert [a.filename for a in parsed.inbound.attachments] == ["original.eml"]


def test_html_becomes_readable_text() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><!--[if mso]>hidden<![endif]-->"
        "<p>Hello&nbsp;there,</p><ul><li>one</li><li>two</li></ul>"
        "<table><tr><td>a</td><td>b</td></tr></table><script>x()</script></body></html>"
    )
    assert html_to_text(html) == "Hello there,\n\n- one\n- two\n\na b"


def test_a_forward_keeps_its_whole_text() -> None:
    split = split_reply("-----Original Message-----\nFrom: a@b.c\n\nold text")
    assert split.new_text.startswith("-----Original Message-----")
    assert split.quoted == ""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_parse_never_raises_and_never_loses_a_message(raw: bytes) -> None:
    parsed = parse_email(raw)
    inbound = parsed.inbound
    assert inbound.identities
    assert inbound.external_id
    assert inbound.text.strip() or inbound.html.strip() or inbound.attachments


_header_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80).map(
    lambda s: s.replace("\r", " ").replace("\n", " ")
)


@settings(max_examples=200, deadline=None)
@given(
    name=_header_text,
    subject=_header_text,
    body=st.text(max_size=500),
    charset=st.sampled_from(["utf-8", "cp1251", "koi8-r", "latin-1", "x-unknown"]),
)
def test_mail_made_of_arbitrary_parts_is_never_lost(
    name: str, subject: str, body: str, charset: str
) -> None:
    sender = str(Address(display_name=name.strip(), addr_spec="x@example.com"))
    raw = (
        f"From: {sender}\nSubject: {subject}\nContent-Type: text/plain; charset={charset}\n\n"
    ).encode("utf-8", "surrogatepass") + body.encode("utf-8", "surrogatepass")
    inbound = parse(raw)
    assert inbound.identities[0][1] == "x@example.com" or inbound.flags.get("unparseable")
    assert inbound.text.strip() or inbound.attachments


def test_the_original_of_even_a_broken_mail_keeps_no_card_number() -> None:
    from unidesk.channels.email.redact import redact_original

    junk = b"\x00\xff\xfe garbage 4111 1111 1111 1111 \x81 order 1234567890123"
    kept = redact_original(junk)
    assert b"4111 1111 1111 1111" not in kept
    assert b"[card **** 1111]" in kept
    assert b"order 1234567890123" in kept  # not Luhn-valid: not a card
    assert kept.startswith(b"\x00\xff\xfe garbage")

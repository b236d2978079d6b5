"""Sentiment from the lexicon, and abuse: insults and threats, not topics or peoples."""

from __future__ import annotations

import pytest

from unidesk.triage.abuse import detect_abuse, mask_abuse
from unidesk.triage.mood import LexiconSentiment, Prediction, sentiment

# ----------------------------------------------------------------------------- sentiment


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Спасибо большое, всё отлично!", "positive"),
        ("Благодарю за помощь, вы мне очень помогли", "positive"),
        ("Thank you so much, great support!", "positive"),
        ("I love this app 😍", "positive"),
        ("не плохо", "positive"),
        ("not bad at all", "positive"),
        ("no problem, thanks", "positive"),
        (")))", "positive"),
        ("Здравствуйте, хочу узнать баланс карты", "neutral"),
        ("How do I change my address?", "neutral"),
        ("Помогите, пожалуйста", "neutral"),
        ("Best regards, John", "neutral"),
        ("Приложение не работает уже третий день", "negative"),
        ("Мне не понравилось обслуживание", "negative"),
        ("это не хорошо", "negative"),
        ("not good", "negative"),
        ("worst service ever 😡", "negative"),
        ("Ужасный сервис, верните деньги", "negative"),
        ("Обслуживание хорошее, но приложение ужасно тормозит", "negative"),
        ("I am NOT happy", "negative"),
        ("опять((((", "negative"),
    ],
)
def test_sentiment_reads_the_lexicon_with_negation(text: str, label: str) -> None:
    assert sentiment(text).label == label


def test_russian_inflections_share_one_lexicon_entry() -> None:
    assert sentiment("отвратительного обслуживания").label == "negative"
    assert sentiment("отвратительными").label == "negative"


def test_laughter_lifts_and_abuse_sinks_the_mood() -> None:
    assert sentiment("ну ладно", laughs=2).label == "positive"
    assert sentiment("ну ладно", abuse_score=0.9).label == "negative"


def test_the_lexicon_model_fits_the_model_interface() -> None:
    prediction = LexiconSentiment().predict("Спасибо!")
    assert isinstance(prediction, Prediction)
    assert prediction.label == "positive"
    assert 0 < prediction.confidence <= 1


def test_phrases_match_on_lemmas_before_their_words() -> None:
    assert sentiment("Карта не работала").label == "negative"
    assert sentiment("Доброе утро").label == "neutral"
    assert sentiment("Без проблем").label == "positive"


# ----------------------------------------------------------------------------- abuse

INSULTS = [
    "ты сука", "вы идиоты", "ДЕБИЛЫ", "идиооот", "мудак", "долбоёб", "уебок", "мразь",
    "пиздец какой-то", "заебали уже", "ёбаный сервис", "бля, опять", "иди нахуй", "хуйня",
    "ты козел", "ты тупой", "сучка", "жиды", "заткнись",
    "fuck you", "fucking app", "motherfucker", "you are an idiot", "you stupid", "bitch",
    "you piece of shit", "you are a clown", "vai se foder", "hijo de puta", "nigger",
    # other desk languages, and insults made of innocent words
    "du bist ein Arschloch", "quel connard", "sei uno stronzo", "gerizekalı", "salak mısın sen",
    "иди нах", "пошел ты нахрен", "vai tomar no cu", "va te faire foutre", "fick dich",
    "vete a la mierda", "screw you", "go to hell",
]  # fmt: skip

DISGUISED = [
    "с у к а", "с.у.к.а", "с-у-к-а", "cyka", "сyка", "сууука", "xуй", "х*й", "пи*дец",
    "3ae6ал", "4мо", "д е б и л", "f u c k", "f*ck you", "f**k you", "sh1t, you are sh1t",
    "a$$hole", "b1tch", "ИдИоТ", "suka blyat", "pizdec", "ты идиoт",
    # common misspellings and derivations are the norm in angry writing
    "дибил", "дебили", "дебиленыш", "далбаебы", "выблядок", "блдь", "сцуко", "быдломасса",
    "уябывай отсюда",
]  # fmt: skip


@pytest.mark.parametrize("text", INSULTS + DISGUISED)
def test_insults_and_obscenities_are_flagged(text: str) -> None:
    result = detect_abuse(text)
    assert result.abusive, text
    assert 0.5 <= result.score <= 1


@pytest.mark.parametrize(
    "text",
    [
        "I will find you",
        "I'm going to find you and hurt you",
        "I know where you live",
        "я тебя найду",
        "найду тебя, понял?",
        "убью",
        "тебе конец",
        "знаю, где ты живешь",
        "vou te matar",
    ],
)
def test_threats_are_flagged(text: str) -> None:
    result = detect_abuse(text)
    assert result.abusive, text
    assert any(hit.category == "threat" for hit in result.hits)


@pytest.mark.parametrize(
    "text",
    [
        "I am Jewish and need help with my account",
        "Мы из Чечни, доставка работает?",
        "what is your policy on political ads",
        "I'm gay and my partner wants a joint account",
        "Я мусульманин, есть ли у вас исламская карта?",
        "употреблять", "сукно", "рубля", "оскорблять", "небо", "хлебобулочные", "требовать",
        "застрахуйте машину", "мудрый совет", "педикюр", "жидкость", "хачапури", "бляшка",
        "корабля", "себестоимость", "ребёнок", "гребля", "Хуан", "Ебург", "подъезд",
        "объявление", "дебетовая карта", "debit card", "мандарин", "командировка",
        "Scunthorpe", "shiitake", "Dickens", "assistant", "class", "assessment", "asset",
        "huehuehue", "Hui people", "huevos rancheros",
        "I will sue you", "я подам в суд", "I will find your order", "we will get you a refund",
        "I'll report you to the regulator", "Я убил весь день на это",
        "тупое приложение", "глупый вопрос", "телефон сдох", "козел пасется на лугу",
        "oh shit, I forgot my password",
        "vou tomar no café da manhã", "Ich habe dich gestern angerufen", "Sen nasılsın?",
        "Vous pouvez m'aider ?", "I want to go to Hell's Kitchen", "иди к двери", "пошел на работу",
    ],
)  # fmt: skip
def test_topics_peoples_and_innocent_words_are_not_abuse(text: str) -> None:
    result = detect_abuse(text)
    assert not result.abusive, (text, result)


def test_a_person_only_insult_needs_a_person() -> None:
    assert not detect_abuse("тупое приложение").abusive
    assert detect_abuse("вы тупые").abusive


@pytest.mark.parametrize(
    "aimed, innocent",
    [
        ("эти свиньи опять всё сломали", "свиньи едят жёлуди"),
        ("Свинья, отвечай уже", "Свинья на ферме заболела"),
        ("Когда вернёте деньги, бараны?", "бараны пасутся на склоне"),
        ("такие клоуны работают в поддержке", "клоуны выступают в цирке"),
    ],
)
def test_a_person_only_insult_pointed_at_or_said_to_someone_is_abuse(
    aimed: str, innocent: str
) -> None:
    assert detect_abuse(aimed).abusive, aimed
    assert not detect_abuse(innocent).abusive, innocent


def test_a_slur_is_found_through_any_reading_of_the_word() -> None:
    # pymorphy3 reads "хохлов" first as the surname Хохлов, then as the plural of the slur
    assert detect_abuse("опять эти хохлов понаехало").abusive
    assert detect_abuse("Жидов развелось").abusive


def test_the_score_grows_with_more_abuse() -> None:
    one = detect_abuse("ты идиот").score
    two = detect_abuse("ты идиот и мудак, я тебя найду").score
    assert 0.5 <= one < two <= 1


def test_masking_hides_insults_and_keeps_the_rest() -> None:
    masked = mask_abuse("Ты сука и мудак, с у к а! Верните деньги")
    assert masked == "Ты *** и ***, ***! Верните деньги"
    assert mask_abuse("Спасибо за помощь") == "Спасибо за помощь"
    assert mask_abuse("f*ck you, pay me back") == "*** you, pay me back"
    assert mask_abuse("Иди нах, оператор") == "***, оператор"


def test_cached_word_scores_do_not_leak_between_words() -> None:
    # "good" and "not good" share a cached word; the phrase and the negation still count.
    for _ in range(2):
        assert sentiment("good, really good").label == "positive"
        assert sentiment("not good, not good at all").label == "negative"
        assert sentiment("плохо").label == "negative"
        assert sentiment("не плохо").score > sentiment("плохо").score


def test_masking_with_the_hits_already_found_equals_masking_from_scratch() -> None:
    for text in ("Вы идиоты, приложение опять не работает", "f*ck you", "всё хорошо"):
        assert mask_abuse(text, hits=detect_abuse(text).hits) == mask_abuse(text)


def test_a_link_is_not_a_frown() -> None:
    # "http://" holds ":/", a frowning emoticon; bank tweets are full of links
    assert sentiment("#Автокредит в россельхозбанк http://t.co/9jc1OCzyv2").label == "neutral"
    assert sentiment("сервис отстой :/").label == "negative"

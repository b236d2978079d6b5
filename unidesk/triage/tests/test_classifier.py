"""The learned classifier: train from CSV, fall back when unsure, evaluate, save, load."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unidesk.triage.classifier import (
    FAMILIARITY_POWERS,
    MAX_CENTRES,
    TextClassifier,
    _tune_confidence,
    evaluate,
    fit,
    load_csv,
    threshold_for_precision,
    train,
    tune_threshold,
)

TEMPLATES = {
    "payments": [
        "my card was charged twice", "refund my payment please", "списали деньги дважды",
        "верните деньги за заказ", "double charge on my card", "where is my refund",
        "оплата не прошла, а деньги списали", "I was billed twice this month",
    ],
    "delivery": [
        "where is my parcel", "the courier did not come", "где моя посылка",
        "курьер не приехал", "delivery is late again", "track my order please",
        "заказ не доставили вовремя", "the package never arrived",
    ],
    "login": [
        "I cannot log in", "forgot my password", "не могу войти в аккаунт",
        "сбросить пароль", "the code for login does not come", "reset my password please",
        "не приходит код для входа", "my account is locked after login attempts",
    ],
}  # fmt: skip
OUT_OF_SCOPE = [
    "what is the weather tomorrow", "tell me a joke", "какая завтра погода",
    "расскажи анекдот", "who won the football match", "recommend a good movie",
]  # fmt: skip


def rows(seed: int, copies: int = 3) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for label, texts in TEMPLATES.items():
        for text in texts:
            for _ in range(copies):
                extra = rng.choice(["", " please", " !!", " срочно", " thanks", " help"])
                out.append((text + extra, label))
    rng.shuffle(out)
    return out


def write_csv(path: Path, data: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(data)
    return path


def test_a_model_learns_topics_and_reports_its_quality(tmp_path: Path) -> None:
    model, meta = train(rows(1), validation=rows(2, copies=1), out=tmp_path / "m")
    assert model.predict("my card was charged twice, help").label == "payments"
    assert model.predict("где моя посылка?").label == "delivery"
    metrics = meta["metrics"]
    assert metrics["accuracy"] >= 0.9
    assert set(metrics["recall"]) == {"payments", "delivery", "login"}
    assert len(metrics["confusion"]) == 3
    assert sum(map(sum, metrics["confusion"])) == metrics["n"]
    saved = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert saved["version"] == 1
    assert saved["labels"] == ["delivery", "login", "payments"]
    assert saved["task"] == "topic"


def test_a_saved_model_loads_and_predicts_the_same(tmp_path: Path) -> None:
    model, _ = train(rows(1), out=tmp_path)
    again = TextClassifier.load(tmp_path)
    text = "reset my password please"
    assert again.predict(text) == model.predict(text)


def test_retraining_into_the_same_directory_bumps_the_version(tmp_path: Path) -> None:
    train(rows(1), out=tmp_path)
    _, meta = train(rows(3), out=tmp_path)
    assert meta["version"] == 2


def test_unsure_messages_get_the_fallback_label(tmp_path: Path) -> None:
    validation = rows(2, copies=1) + [(text, "human") for text in OUT_OF_SCOPE]
    model, meta = train(rows(1), validation=validation, fallback_label="human", out=tmp_path)
    assert 0 < model.threshold < 1
    assert meta["metrics"]["fallback_recall"] >= 0.5
    assert meta["metrics"]["in_scope_accuracy"] >= 0.8
    assert model.predict("my card was charged twice").label == "payments"


def test_a_model_with_a_fallback_knows_how_familiar_a_message_is() -> None:
    model, _ = train(
        rows(1), validation=rows(2) + [(t, "human") for t in OUT_OF_SCOPE], fallback_label="human"
    )
    # one to MAX_CENTRES centres per in-scope label, none for "human"
    assert model.centres is not None
    assert len(TEMPLATES) <= model.centres.shape[0] <= len(TEMPLATES) * MAX_CENTRES
    seen, unseen = model.familiarity(["my card was charged twice", "xqzt vlorp wibble"])  # type: ignore[misc]
    assert seen > 2 * unseen and unseen >= 0.0
    # the confidence is the top probability scaled by familiarity
    (top,) = model.top_many(["xqzt vlorp wibble"])
    assert model.predict("xqzt vlorp wibble").confidence == pytest.approx(
        top.confidence * unseen**model.familiarity_power, abs=1e-3
    )
    assert model.predict("xqzt vlorp wibble").label == "human"


def test_predictions_read_the_words_once_and_match_the_two_separate_readings() -> None:
    model, _ = train(rows(1, copies=4), fallback_label="human")
    texts = ["card charged twice", "xqzt vlorp wibble", "where is my parcel 3"]

    predictions = model.predict_many(texts)

    for prediction, row, familiar in zip(
        predictions, model.probabilities(texts), model.familiarity(texts) or [], strict=True
    ):
        assert prediction.confidence == pytest.approx(
            round(max(row) * familiar**model.familiarity_power, 4), abs=1e-4
        )


def test_the_weight_of_familiarity_is_tuned_with_the_threshold() -> None:
    class Readings:  # what a model reads in four held-out messages
        labels = ("a", "b", "oos")
        fallback_label = "oos"

        def _with_familiarity(self, texts: list[str]) -> tuple[list[list[float]], list[float]]:
            return (
                [[0.6, 0.3, 0.1], [0.3, 0.6, 0.1], [0.9, 0.05, 0.05], [0.05, 0.9, 0.05]],
                [0.98, 0.98, 0.7, 0.7],
            )

    rows = [("1", "a"), ("2", "b"), ("3", "oos"), ("4", "oos")]
    # Times the familiarity, the unknown messages (0.63) still beat the known ones (0.588);
    # times its square (0.441 against 0.576) a threshold tells them apart.
    threshold, power = _tune_confidence(Readings(), rows)  # type: ignore[arg-type]

    assert power == 2.0
    assert 0.441 < threshold <= 0.5763


def test_a_model_remembers_the_familiarity_power_it_was_tuned_with(tmp_path: Path) -> None:
    validation = rows(2, copies=1) + [(text, "human") for text in OUT_OF_SCOPE]
    model, meta = train(rows(1), validation=validation, fallback_label="human", out=tmp_path)

    assert model.familiarity_power in FAMILIARITY_POWERS
    assert meta["familiarity_power"] == model.familiarity_power
    assert TextClassifier.load(tmp_path).familiarity_power == model.familiarity_power


def test_models_without_a_fallback_keep_no_centres() -> None:
    model, _ = train(rows(1))
    assert model.centres is None and model.familiarity(["hello"]) is None


def test_the_threshold_is_tuned_without_validation_data(tmp_path: Path) -> None:
    model, meta = train(rows(1, copies=4), fallback_label="human", out=tmp_path)
    assert meta["fallback_label"] == "human"
    assert 0 <= model.threshold < 1


def test_threshold_tuning_balances_in_scope_accuracy_and_fallback_recall() -> None:
    confidences = [0.9, 0.8, 0.3, 0.2]
    predicted = ["a", "b", "a", "b"]
    truth = ["a", "b", "oos", "oos"]
    assert 0.3 < tune_threshold(confidences, predicted, truth, "oos") <= 0.8


def _tune_by_trying_every_threshold(
    confidences: list[float], predicted: list[str], truth: list[str], fallback: str
) -> float:
    """The definition, spelled out: route at every candidate threshold and score it."""
    best, best_value = 0.0, -1e9
    for threshold in sorted({0.0, *(round(c, 4) for c in confidences)}):
        routed = [
            fallback if c < threshold else p for c, p in zip(confidences, predicted, strict=True)
        ]
        if fallback in truth:
            inscope = [(r, t) for r, t in zip(routed, truth, strict=True) if t != fallback]
            oos = [r for r, t in zip(routed, truth, strict=True) if t == fallback]
            accuracy = sum(r == t for r, t in inscope) / len(inscope) if inscope else 0.0
            value = (accuracy + sum(r == fallback for r in oos) / len(oos)) / 2
        else:
            value = sum(
                1.0 if r == t else (-0.5 if r == fallback else -1.0)
                for r, t in zip(routed, truth, strict=True)
            )
        if value > best_value + 1e-12:
            best, best_value = threshold, value
    return best


@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from("abo"), st.sampled_from("abo")),
        min_size=1,
        max_size=40,
    )
)
def test_the_threshold_sweep_finds_what_trying_every_threshold_finds(
    cases: list[tuple[float, str, str]],
) -> None:
    confidences = [c for c, _, _ in cases]
    predicted = [p for _, p, _ in cases]
    truth = [t for _, _, t in cases]
    assert tune_threshold(confidences, predicted, truth, "o") == _tune_by_trying_every_threshold(
        confidences, predicted, truth, "o"
    )


def test_evaluation_counts_per_label_recall() -> None:
    class Fixed(TextClassifier):
        def probabilities(self, texts: object) -> list[list[float]]:
            return [[0.9, 0.1], [0.9, 0.1], [0.2, 0.8]]

    model = Fixed(None, ("a", "b"))
    report = evaluate(model, [("x", "a"), ("y", "b"), ("z", "b")])
    assert report["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["recall"] == {"a": 1.0, "b": 0.5}
    assert report["confusion"] == [[1, 0], [1, 1]]


def test_csv_needs_text_and_label_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("message,queue\nhello,general\n")
    with pytest.raises(ValueError, match="text,label"):
        load_csv(path)
    good = write_csv(tmp_path / "good.csv", [("hello", "general"), ("", "other")])
    assert load_csv(good) == [("hello", "general"), ("", "other")]


@pytest.mark.parametrize("labels", [("a", "b"), ("a", "b", "c")])
def test_the_fast_scoring_path_gives_scikit_learns_probabilities(labels) -> None:  # type: ignore[no-untyped-def]
    words = {"a": "card charged twice", "b": "parcel courier late", "c": "profile name photo"}
    rows = [(f"{words[label]} {n} {'!' * (n % 3)}", label) for label in labels for n in range(8)]
    model = fit(rows)
    texts = ["charged twice on my card", "where is the courier", "???", "profile photo 12"]

    fast = model.probabilities(texts)
    slow = model.pipeline.predict_proba(texts)

    assert [len(row) for row in fast] == [len(labels)] * 4
    for row_fast, row_slow in zip(fast, slow, strict=True):
        assert row_fast == pytest.approx(list(row_slow), abs=1e-9)


def test_the_precision_threshold_is_the_lowest_that_keeps_answers_right_often_enough() -> None:
    confidences = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5]
    correct = [True, True, True, False, True, False]

    assert threshold_for_precision(confidences, correct, 0.8) == 0.6  # 4 of 5 right
    assert threshold_for_precision(confidences, correct, 1.0) == 0.8
    assert threshold_for_precision(confidences, correct, 1.0, min_routed=4) is None
    assert threshold_for_precision([0.9, 0.9], [True, False], 1.0) is None  # ties move together
    assert threshold_for_precision([], [], 0.9) is None


def test_a_sentiment_model_starts_from_the_shipped_lexicon() -> None:
    from unidesk.triage.classifier import MoodFeatures

    texts = ["ужасный сервис, всё сломано", "спасибо, всё отлично!", "где мой заказ", "ахахаха"]
    values = MoodFeatures().transform(texts).toarray()
    assert values[0][0] < 0 < values[1][0]  # the lexicon's score
    assert values[0][2] == 1 and values[1][1] == 1  # negative, positive
    assert values[2][1:3].tolist() == [0, 0] and values[3][3] == 1  # neutral; laughter

    rows = [
        (t, label)
        for label, group in (
            ("negative", texts[:1]),
            ("positive", texts[1:2]),
            ("neutral", texts[2:3]),
        )
        for t in group * 6
    ]
    model, _ = train(rows, task="sentiment")
    assert "mood" in dict(model.pipeline.named_steps["features"].transformer_list)
    topic, _ = train(rows, task="topic")
    assert "mood" not in dict(topic.pipeline.named_steps["features"].transformer_list)

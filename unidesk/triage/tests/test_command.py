"""`unidesk triage train|predict|analyze` through Django's call_command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from unidesk.triage.tests.test_classifier import rows, write_csv


def run(*args: str, stdin: str = "") -> list[dict[str, object]]:
    out = io.StringIO()
    call_command("triage", *args, stdin=io.StringIO(stdin), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_analyze_answers_each_line_in_order_with_errors_in_place() -> None:
    lines = [
        json.dumps({"text": "Моя карта 4111 1111 1111 1111, меня взломали!"}, ensure_ascii=False),
        "not json",
        json.dumps({"text": "хахаха спасибо"}, ensure_ascii=False),
        json.dumps({"message": "no text"}),
        json.dumps({"text": "ok", "fallback_language": "pt"}),
    ]
    out = run("analyze", stdin="\n".join(lines) + "\n")
    assert len(out) == 5
    first = out[0]
    assert first["urgency"] == "urgent"
    assert first["pii"] == [{"type": "card", "start": 10, "end": 29}]
    assert "4111 1111" not in str(first["redacted"])
    assert "error" in out[1] and "error" in out[3]
    assert out[2]["laughter"] is True
    assert out[4]["language"] == "pt"


def test_train_then_predict_round_trip(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "train.csv", rows(1))
    validation = write_csv(tmp_path / "val.csv", [*rows(2, copies=1), ("tell me a joke", "human")])
    model_dir = tmp_path / "model"
    out = io.StringIO()
    call_command(
        "triage", "train", "--task", "topic", "--data", str(data), "--out", str(model_dir),
        "--validation", str(validation), "--fallback-label", "human", stdout=out,
    )  # fmt: skip
    meta = json.loads(out.getvalue())
    assert meta["metrics"]["accuracy"] > 0.8
    assert (model_dir / "meta.json").exists()
    texts = ["my card was charged twice", "где моя посылка", "{broken"]
    stdin = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts[:2])
    result = run("predict", "--model", str(model_dir), stdin=stdin + "\n" + texts[2] + "\n")
    assert [r.get("label") for r in result[:2]] == ["payments", "delivery"]
    assert set(result[0]) == {"label", "confidence"}
    assert "error" in result[2]


def test_predict_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"model\.joblib"):
        run("predict", "--model", str(tmp_path))


def test_train_with_a_bad_csv_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="text,label"):
        call_command("triage", "train", "--data", str(bad), "--out", str(tmp_path / "m"))


def test_analyze_can_use_a_trained_sentiment_model(tmp_path: Path) -> None:
    data = [("great, thanks", "positive"), ("awful, broken", "negative")] * 4
    model_dir = tmp_path / "sentiment"
    call_command(
        "triage", "train", "--task", "sentiment", "--data",
        str(write_csv(tmp_path / "s.csv", data)), "--out", str(model_dir), stdout=io.StringIO(),
    )  # fmt: skip
    [out] = run("analyze", "--sentiment-model", str(model_dir), stdin='{"text": "awful"}\n')
    assert out["sentiment"] == "negative"

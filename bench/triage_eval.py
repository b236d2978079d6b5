"""Triage quality on public data sets (evaluation only: the data never ships with Unidesk).

    .venv/bin/python bench/triage_eval.py [--data DIR] [--only banking77,clinc150,...]
        [--encoder e5] [--latency 300]

The data directory is ``--data``, else ``$UNIDESK_EVAL_DATA``, else ``../shared/data`` next
to the repository if it exists, else ``/work/evaldata``. Every set is optional: a missing
one is reported as missing and skipped. Expected layout (first match wins):

* ``banking77/{train,test}.csv``: columns ``text,category`` (PolyAI task-specific-datasets)
* ``clinc150/data_full.json``: CLINC150 with out-of-scope (``oos``) examples
* ``ru_toxic/labeled.csv``: 2ch/pikabu Russian comments, columns ``comment,toxic``
* ``ruparadetox/*.tsv``: ``toxic_comment`` and ``neutral_comment*`` columns (each file)
* ``sentirueval2015/{train,test}.csv``: columns ``text,label`` (negative/neutral/positive),
  and ``test2015.csv`` if present (``bench/sentirueval_csv.py`` builds them)
* ``langid/*.csv``: short lines, columns ``text,label`` (ISO 639-1)

Figures printed (see bench/RESULTS.md, ``## Triage``):

* BANKING77: test accuracy of ``train`` (TF-IDF linear; and with ``--encoder``), latency
  of ``predict`` one message at a time (median, p99).
* CLINC150: ``train --fallback-label oos`` with the threshold tuned on the validation split;
  in-scope accuracy, out-of-scope recall and their mean on the test split.
* Russian abuse with the shipped defaults of ``analyze``: recall on toxic comments, share of
  polite paraphrases flagged, share of non-toxic comments flagged.
* Sentiment: ``train --task sentiment`` on the earlier tweets (SentiRuEval-2015's training
  set; and with its test set too, when present), macro-F1 on the later ones (2016); the
  shipped lexicon's macro-F1 for comparison.
* Language: accuracy of ``detect_language`` per line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unidesk.config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
csv.field_size_limit(10_000_000)

from unidesk.triage.abuse import detect_abuse  # noqa: E402
from unidesk.triage.classifier import NEVER, TextClassifier, evaluate, train  # noqa: E402
from unidesk.triage.encoder import forget_vectors  # noqa: E402
from unidesk.triage.language import DEFAULT_LANGUAGES, detect_language  # noqa: E402
from unidesk.triage.mood import sentiment  # noqa: E402

Rows = list[tuple[str, str]]
REPO = Path(__file__).resolve().parent.parent


def data_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    if os.environ.get("UNIDESK_EVAL_DATA"):
        return Path(os.environ["UNIDESK_EVAL_DATA"])
    shared = REPO.parent / "shared" / "data"
    return shared if shared.is_dir() else Path("/work/evaldata")


def first(root: Path, *names: str) -> Path | None:
    for name in names:
        for path in sorted(root.glob(name)):
            if path.is_file():
                return path
    return None


def read_csv(path: Path, text: str, label: str, delimiter: str = ",") -> Rows:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [
            (row[text], str(row[label]).strip())
            for row in csv.DictReader(handle, delimiter=delimiter)
            if row.get(text) and str(row.get(label, "")).strip()
        ]


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    labels = sorted(set(truth))
    scores = []
    for label in labels:
        tp = sum(t == p == label for t, p in zip(truth, predicted, strict=True))
        said = sum(p == label for p in predicted)
        real = sum(t == label for t in truth)
        prec = tp / said if said else 0.0
        rec = tp / real if real else 0.0
        scores.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(scores) / len(scores)


def latency(model: TextClassifier, texts: Sequence[str]) -> tuple[float, float, float]:
    """Median, mean and p99 milliseconds of predicting one message at a time."""
    model.predict(texts[0])
    times = []
    for text in texts:
        began = time.perf_counter()
        model.predict(text)
        times.append(time.perf_counter() - began)
    times.sort()
    p99 = times[int(0.99 * (len(times) - 1))]
    return 1e3 * statistics.median(times), 1e3 * statistics.fmean(times), 1e3 * p99


def say(line: str) -> None:
    print(line, flush=True)


# --- the sets -------------------------------------------------------------------------


def banking77(root: Path, args: argparse.Namespace) -> None:
    train_path = first(root, "banking77/train.csv", "banking_data/train.csv", "BANKING77/train.csv")
    test_path = first(root, "banking77/test.csv", "banking_data/test.csv", "BANKING77/test.csv")
    if not (train_path and test_path):
        say("BANKING77: missing (banking77/train.csv and test.csv)")
        return
    rows, test = read_csv(train_path, "text", "category"), read_csv(test_path, "text", "category")
    encoders: list[str | None] = [None, *([args.encoder] if args.encoder else [])]
    for encoder in encoders:
        began = time.perf_counter()
        # as `unidesk triage train` does: with an encoder, 15% is held out to tune the gate
        model, _meta = train(rows, encoder=encoder)
        seconds = time.perf_counter() - began
        report = evaluate(model, test)
        forget_vectors()  # the evaluation encoded these texts: time them as new messages
        p50, mean, p99 = latency(model, [text for text, _ in test[: args.latency]])
        name = f"TF-IDF + {encoder}" if encoder else "TF-IDF"
        gate = ""
        if "encoder_share" in report:
            gate = f"; gate {model.gate:.3f}, encoder on {100 * report['encoder_share']:.1f}%"
        say(
            f"BANKING77 [{name}]: train {len(rows)}, test {len(test)}: accuracy "
            f"{100 * report['accuracy']:.2f}%, macro-F1 {100 * report['macro_f1']:.2f}%; "
            f"fit {seconds:.0f} s{gate}; predict one at a time p50 {p50:.2f} ms, "
            f"mean {mean:.2f} ms, p99 {p99:.2f} ms"
        )
        if encoder:
            model.gate = NEVER
            forget_vectors()
            p50, mean, p99 = latency(model, [text for text, _ in test[: args.latency]])
            say(
                f"BANKING77 [{name}, encoder on every message]: accuracy "
                f"{100 * evaluate(model, test)['accuracy']:.2f}%; predict one at a time "
                f"p50 {p50:.2f} ms, mean {mean:.2f} ms, p99 {p99:.2f} ms"
            )


def clinc150(root: Path, args: argparse.Namespace) -> None:
    path = first(root, "clinc150/data_full.json", "clinc/data_full.json", "data_full.json")
    if path is None:
        say("CLINC150 (out of scope): missing (clinc150/data_full.json)")
        return
    data = json.loads(path.read_text(encoding="utf-8"))

    def part(name: str) -> Rows:
        return [(text, label) for text, label in data.get(name, [])]

    rows = part("train") + part("oos_train")
    validation = part("val") + part("oos_val")
    test = part("test") + part("oos_test")
    encoders: list[str | None] = [None, *([args.encoder] if args.encoder else [])]
    for encoder in encoders:
        model, _ = train(rows, validation=validation, fallback_label="oos", encoder=encoder)
        report = evaluate(model, test)
        inscope, recall = report["in_scope_accuracy"], report["fallback_recall"]
        name = f"TF-IDF + {encoder}" if encoder else "TF-IDF"
        say(
            f"CLINC150 [{name}]: threshold {model.threshold:.3f}; in-scope accuracy "
            f"{100 * inscope:.2f}%, out-of-scope recall {100 * recall:.2f}%, mean "
            f"{50 * (inscope + recall):.2f}%"
        )


def flagged(texts: Sequence[str]) -> float:
    return sum(detect_abuse(text).abusive for text in texts) / len(texts)


def russian_abuse(root: Path, args: argparse.Namespace) -> None:
    path = first(root, "ru_toxic/labeled.csv", "russian_toxic/labeled.csv", "labeled.csv")
    if path is None:
        say("2ch/pikabu toxic comments: missing (ru_toxic/labeled.csv)")
    else:
        rows = read_csv(path, "comment", "toxic")
        toxic = [text for text, label in rows if label in ("1", "1.0")]
        clean = [text for text, label in rows if label in ("0", "0.0")]
        say(
            f"2ch/pikabu [analyze defaults]: recall on {len(toxic)} toxic "
            f"{100 * flagged(toxic):.1f}%, flagged among {len(clean)} non-toxic "
            f"{100 * flagged(clean):.1f}%"
        )
    files = sorted((root / "ruparadetox").glob("*.tsv")) if (root / "ruparadetox").is_dir() else []
    if not files:
        say("RuParaDetox: missing (ruparadetox/*.tsv)")
    for detox in files:
        toxic_lines, polite = paradetox(detox)
        say(
            f"RuParaDetox {detox.name} [analyze defaults]: recall on {len(toxic_lines)} toxic "
            f"{100 * flagged(toxic_lines):.1f}%, polite paraphrases flagged "
            f"{100 * flagged(polite):.1f}% of {len(polite)}"
        )
    if path is not None:
        trained_abuse(read_csv(path, "comment", "toxic"), files)


def paradetox(detox: Path) -> tuple[list[str], list[str]]:
    """Toxic sentences and their polite rewrites."""
    with open(detox, newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    toxic = [r["toxic_comment"] for r in records if (r.get("toxic_comment") or "").strip()]
    polite = [
        value
        for r in records
        for key, value in r.items()
        if key and key.startswith("neutral_comment") and (value or "").strip()
    ]
    return toxic, polite


def trained_abuse(rows: Rows, detox_files: Sequence[Path]) -> None:
    """``train --task abuse`` on four fifths of the 2ch/pikabu comments (split by a hash of
    the text, so every run splits alike); recall on the toxic comments held out, and what
    the model and the model-or-rules combination flag among polite paraphrases."""
    labelled = [(text, "abusive" if label in ("1", "1.0") else "clean") for text, label in rows]

    def held_out(text: str) -> bool:
        return zlib.crc32(text.encode()) % 5 == 0

    model, _ = train([r for r in labelled if not held_out(r[0])], task="abuse")
    test = [r for r in labelled if held_out(r[0])]

    def share(texts: Sequence[str], either: bool = False) -> float:
        hits = [p.label == "abusive" for p in model.predict_many(list(texts))]
        if either:
            hits = [h or detect_abuse(t).abusive for h, t in zip(hits, texts, strict=True)]
        return sum(hits) / max(1, len(hits))

    toxic = [t for t, label in test if label == "abusive"]
    clean = [t for t, label in test if label == "clean"]
    say(
        f"2ch/pikabu [trained on {len(labelled) - len(test)}]: held-out recall on "
        f"{len(toxic)} toxic {100 * share(toxic):.1f}% (with the rules "
        f"{100 * share(toxic, True):.1f}%), flagged among {len(clean)} non-toxic "
        f"{100 * share(clean):.1f}% (with the rules {100 * share(clean, True):.1f}%)"
    )
    for detox in detox_files:
        toxic_lines, polite = paradetox(detox)
        say(
            f"RuParaDetox {detox.name} [2ch/pikabu model]: recall {100 * share(toxic_lines):.1f}%"
            f" (with the rules {100 * share(toxic_lines, True):.1f}%), polite flagged "
            f"{100 * share(polite):.1f}% (with the rules {100 * share(polite, True):.1f}%)"
        )


def sentiment_set(root: Path, args: argparse.Namespace) -> None:
    train_path = first(root, "sentirueval2015/train.csv", "sentirueval/train.csv")
    test_path = first(root, "sentirueval2015/test.csv", "sentirueval/test.csv")
    if not (train_path and test_path):
        say("SentiRuEval-2015: missing (sentirueval2015/train.csv and test.csv, text,label)")
        return
    rows, test = read_csv(train_path, "text", "label"), read_csv(test_path, "text", "label")
    truth = [label for _, label in test]
    lexicon = [sentiment(text).label for text, _ in test]
    say(
        f"SentiRuEval: train {len(rows)}, test {len(test)}: shipped lexicon macro-F1 "
        f"{100 * macro_f1(truth, lexicon):.2f}%"
    )
    trainings = [(f"2015 training set, {len(rows)} tweets", rows)]
    earlier_test = first(root, "sentirueval2015/test2015.csv")
    if earlier_test:  # SentiRuEval-2015's own test set: tweets of late 2013, labelled too
        later = {text for text, _ in test}
        extra = [row for row in read_csv(earlier_test, "text", "label") if row[0] not in later]
        both = rows + extra
        trainings.append((f"2015 training and test sets, {len(both)} tweets", both))
    for encoder in [None, *([args.encoder] if args.encoder else [])]:
        for trained_on, training in trainings:
            model, _ = train(training, task="sentiment", encoder=encoder)
            predicted = [p.label for p in model.predict_many([text for text, _ in test])]
            name = f"TF-IDF + {encoder}" if encoder else "TF-IDF"
            say(
                f"SentiRuEval [{name}, trained on the {trained_on}]: macro-F1 on the later "
                f"tweets {100 * macro_f1(truth, predicted):.2f}%"
            )


def language(root: Path, args: argparse.Namespace) -> None:
    paths = sorted((root / "langid").glob("*.csv")) if (root / "langid").is_dir() else []
    if not paths:
        say("Language lines: missing (langid/*.csv with text,label)")
        return
    for path in paths:
        rows = read_csv(path, "text", "label")
        served = [(t, label) for t, label in rows if label in DEFAULT_LANGUAGES]
        right = sum(detect_language(t) == label for t, label in served)
        say(
            f"Language {path.name}: {len(served)} lines in served languages, accuracy "
            f"{100 * right / max(1, len(served)):.2f}%"
        )


SETS: dict[str, Callable[[Path, argparse.Namespace], None]] = {
    "banking77": banking77,
    "clinc150": clinc150,
    "abuse": russian_abuse,
    "sentiment": sentiment_set,
    "language": language,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="data directory (see module doc)")
    parser.add_argument("--only", help=f"comma-separated: {','.join(SETS)}")
    parser.add_argument("--encoder", help="also measure with this sentence encoder, e.g. e5")
    parser.add_argument("--latency", type=int, default=300, help="messages timed one by one")
    args = parser.parse_args()
    root = data_dir(args.data)
    say(f"data: {root}{'' if root.is_dir() else ' (absent)'}")
    wanted = args.only.split(",") if args.only else list(SETS)
    for name in wanted:
        SETS[name](root, args)


if __name__ == "__main__":
    main()

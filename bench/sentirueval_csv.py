"""SentiRuEval's per-company tweet tables -> the ``text,label`` CSVs ``triage_eval.py`` reads.

    .venv/bin/python bench/sentirueval_csv.py RAW_DIR OUT_DIR

Evaluation only: the data never ships with Unidesk. ``RAW_DIR`` holds the CSV copies of the
SentiRuEval tables (as in github.com/nicolay-r/tone-classifier, data/collections):

* ``bank_train_2015.csv``, ``ttk_train_2015.csv``: SentiRuEval-2015's training sets
  (tweets of July and August 2014) -> ``OUT_DIR/train.csv``
* ``bank_etalon_2015.csv``, ``ttk_etalon_2015.csv``: SentiRuEval-2015's test sets with their
  reference labels (tweets of late 2013) -> ``OUT_DIR/test2015.csv``
* ``bank_etalon_2016.csv``, ``ttk_etalon_2016.csv``: SentiRuEval-2016's test sets with
  their reference labels (tweets of late 2015) -> ``OUT_DIR/test.csv``, repeated texts
  kept once

Each table has a column per company (``sberbank``, ``vtb``... or ``beeline``, ``mts``...)
holding -1, 0 or 1 where the tweet speaks of it. A tweet is ``negative`` if it is -1 for
some company, ``positive`` if +1 for some, else ``neutral``; tweets with both signs, and
those with other marks (the telecom tables' "--" and "+-"), are left out. A missing pair
of tables is skipped.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

META = {"id", "twitid", "date", "text"}
MARKS = {"-1", "0", "1"}
FILES = {
    "train.csv": ("bank_train_2015.csv", "ttk_train_2015.csv"),
    "test2015.csv": ("bank_etalon_2015.csv", "ttk_etalon_2015.csv"),
    "test.csv": ("bank_etalon_2016.csv", "ttk_etalon_2016.csv"),
}


def tweets(path: Path) -> tuple[list[tuple[str, str]], int]:
    """(text, label) of every usable tweet in a table, and how many were left out."""
    kept: list[tuple[str, str]] = []
    left_out = 0
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            marks = {
                (value or "").strip()
                for key, value in row.items()
                if key is not None and key not in META
            } - {"", "NULL"}
            if not marks or not marks <= MARKS or {"-1", "1"} <= marks:
                left_out += 1
                continue
            label = "negative" if "-1" in marks else "positive" if "1" in marks else "neutral"
            kept.append((row["text"], label))
    return kept, left_out


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    raw, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for name, tables in FILES.items():
        if not all((raw / table).is_file() for table in tables):
            print(f"{name}: skipped (needs {' and '.join(tables)} in {raw})")
            continue
        rows: list[tuple[str, str]] = []
        for table in tables:
            found, left_out = tweets(raw / table)
            rows.extend(found)
            print(f"{table}: {len(found)} tweets, {left_out} left out")
        if name == "test.csv":
            first: dict[str, str] = {}
            for text, label in rows:
                first.setdefault(text, label)
            rows = list(first.items())
        with open(out / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows(rows)
        print(f"{out / name}: {len(rows)} tweets")


if __name__ == "__main__":
    main()

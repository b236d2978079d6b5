"""How Unidesk's e-mail parser reads a corpus of real-world mails, against references.

Usage:
    .venv/bin/python bench/email_corpus.py DIR [DIR ...]

For each .eml / .box / .txt / .msg file: is it kept (a sender identity, and text, HTML or
attachments, or flagged unparseable with the original attached)? Sender address and
subject are compared with, in order of preference:
  0. the corpus directory's `expectations.json`: {file name: {"from": address or "",
     "subject": text, "source": "yml" | "reading", "note": ...}}, what a careful mail
     client shows (address compared case-insensitively, whitespace runs as one space),
  1. an expectation file next to the mail (zammad's `<name>.yml`: `from:` / `subject:`
     lines; or `<name>.json` with "from"/"subject"),
  2. the expectations table of unidesk/channels/email/tests/test_corpus.py (chatwoot),
  3. otherwise the standard library's strict view (policy.default), reported separately
     as agreement (the stdlib is the floor: disagreements are listed to read by hand).
Never part of the test suite: the corpora are other projects' data and stay outside the
repository (e.g. /work/evaldata/email/).
"""

from __future__ import annotations

import json
import os
import re
import sys
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unidesk.config.settings")

import django  # noqa: E402

django.setup()

from unidesk.channels.email.parse import parse_email  # noqa: E402
from unidesk.channels.email.tests.test_corpus import EXPECTED  # noqa: E402

SUFFIXES = {".eml", ".box", ".txt", ".msg", ".mbox"}


def norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


_TABLES: dict[Path, dict[str, dict[str, str]]] = {}


def table(directory: Path) -> dict[str, dict[str, str]]:
    """`expectations.json` of a corpus directory: {file name: {"from", "subject", ...}}."""
    if directory not in _TABLES:
        path = directory / "expectations.json"
        _TABLES[directory] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return _TABLES[directory]


def expectation(path: Path) -> tuple[str, str] | None:
    entry = table(path.parent).get(path.name)
    if entry is not None:
        return entry["from"], entry["subject"]
    yml = path.with_suffix(".yml")
    if yml.exists():
        text = yml.read_text("utf-8", "replace")
        sender = re.search(r"^\s*from(?:_email)?:\s*['\"]?(.*?)['\"]?\s*$", text, re.M)
        subject = re.search(r"^\s*(?:subject|title):\s*['\"]?(.*?)['\"]?\s*$", text, re.M)
        if sender and subject:
            found = getaddresses([sender.group(1)])
            return (found[0][1] if found else sender.group(1)), subject.group(1)
    js = path.with_suffix(".json")
    if js.exists():
        data = json.loads(js.read_text())
        return data["from"], data["subject"]
    if path.name in EXPECTED and EXPECTED[path.name][0] is not None:
        return str(EXPECTED[path.name][0]), EXPECTED[path.name][1]
    return None


def stdlib_view(raw: bytes) -> tuple[str, str] | None:
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        sender = msg["from"].addresses[0].addr_spec if msg["from"] else ""
        return sender, str(msg["subject"] or "")
    except Exception:
        return None


def short(value: tuple[str, str]) -> str:
    sender, subject = value
    return repr((sender, subject if len(subject) <= 90 else subject[:87] + "..."))


def corpus_of(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if root in path.parents:
            relative = path.relative_to(root).parts
            return relative[0] if len(relative) > 1 else root.name
    return path.parent.name


def main(dirs: list[str]) -> None:
    roots = [Path(d) for d in dirs]
    stats: dict[str, dict[str, int]] = {}
    misses: list[str] = []
    lost: list[str] = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if (
                path.suffix.lower() not in SUFFIXES
                or not path.is_file()
                or path.name.upper().startswith(("README", "PROGRESS"))
            ):
                continue
            row = stats.setdefault(
                corpus_of(path, roots),
                {"mails": 0, "kept": 0, "checked": 0, "sender": 0, "subject": 0, "both": 0,
                 "stdlib": 0, "agree": 0},
            )  # fmt: skip
            raw = path.read_bytes()
            row["mails"] += 1
            parsed = parse_email(raw)
            inbound = parsed.inbound
            has_content = inbound.text.strip() or inbound.html.strip() or inbound.attachments
            if inbound.identities and has_content:
                row["kept"] += 1
            else:
                lost.append(f"  {path}")
            kind, identity = inbound.identities[0] if inbound.identities else ("", "")
            ours = (identity if kind == "email" else "", inbound.subject)
            expected = expectation(path)
            if expected is not None:
                row["checked"] += 1
                sender_ok = norm(ours[0]) == norm(expected[0])
                subject_ok = norm(ours[1]) == norm(expected[1])
                row["sender"] += sender_ok
                row["subject"] += subject_ok
                row["both"] += sender_ok and subject_ok
                if not (sender_ok and subject_ok):
                    misses.append(f"  {path}: ours {short(ours)} expected {short(expected)}")
                continue
            reference = stdlib_view(raw)
            if reference is not None and reference[0]:
                row["stdlib"] += 1
                if norm(ours[0]) == norm(reference[0]) and norm(ours[1]) == norm(reference[1]):
                    row["agree"] += 1
                else:
                    misses.append(f"  {path}: ours {short(ours)} stdlib {short(reference)}")
    keys = ("mails", "kept", "checked", "sender", "subject", "both", "stdlib", "agree")
    total = {key: sum(row[key] for row in stats.values()) for key in keys}
    header = ("corpus", "mails", "kept", "checked", "sender", "subject", "both")
    print("{:<22}{:>6}{:>6}{:>8}{:>9}{:>9}{:>9}".format(*header))
    for name, row in [*sorted(stats.items()), ("ALL", total)]:
        checked = row["checked"] or 1
        print(
            f"{name:<22}{row['mails']:>6}{row['kept']:>6}{row['checked']:>8}"
            f"{row['sender'] / checked:>9.1%}{row['subject'] / checked:>9.1%}"
            f"{row['both'] / checked:>9.1%}"
        )
    if total["stdlib"]:
        print(f"without expectations, agreeing with the stdlib's strict view: "
              f"{total['agree']}/{total['stdlib']}")  # fmt: skip
    if lost:
        print("not kept (no sender identity or no content):")
        print("\n".join(lost))
    if misses:
        print("misses:")
        print("\n".join(misses))


if __name__ == "__main__":
    main(sys.argv[1:] or ["/work/evaldata/email"])

"""How Unidesk's e-mail parser reads a corpus of real-world mails, against references.

Usage:
    .venv/bin/python bench/email_corpus.py DIR [DIR ...]

For each .eml / .box / .txt / .msg file: is it kept (a sender identity, and text, HTML or
attachments, or flagged unparseable with the original attached)? Sender address and
subject are compared with, in order of preference:
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


def expectation(path: Path) -> tuple[str, str] | None:
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


def main(dirs: list[str]) -> None:
    total = kept = checked = right = stdlib_compared = stdlib_agree = 0
    misses: list[str] = []
    for directory in dirs:
        for path in sorted(Path(directory).rglob("*")):
            if path.suffix.lower() not in SUFFIXES or not path.is_file():
                continue
            raw = path.read_bytes()
            total += 1
            parsed = parse_email(raw)
            inbound = parsed.inbound
            has_content = inbound.text.strip() or inbound.html.strip() or inbound.attachments
            if inbound.identities and has_content:
                kept += 1
            ours = (inbound.sender_address, inbound.subject)
            expected = expectation(path)
            if expected is not None:
                checked += 1
                if norm(ours[0]) == norm(expected[0]) and norm(ours[1]) == norm(expected[1]):
                    right += 1
                else:
                    misses.append(f"  {path}: ours {ours!r} expected {expected!r}")
                continue
            reference = stdlib_view(raw)
            if reference is not None and reference[0]:
                stdlib_compared += 1
                if norm(ours[0]) == norm(reference[0]) and norm(ours[1]) == norm(reference[1]):
                    stdlib_agree += 1
                else:
                    misses.append(f"  {path}: ours {ours!r} stdlib {reference!r}")
    print(f"mails: {total}; kept (sender and content, or flagged with the original): {kept}")
    if checked:
        print(f"against expectations: {right}/{checked} = {right / checked:.1%} right")
    if stdlib_compared:
        print(
            f"against the stdlib's strict view: {stdlib_agree}/{stdlib_compared} agree "
            f"({stdlib_agree / stdlib_compared:.1%}); differences to read by hand:"
        )
    print("\n".join(misses[:60]))


if __name__ == "__main__":
    main(sys.argv[1:] or ["/work/evaldata/email"])

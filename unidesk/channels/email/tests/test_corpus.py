"""Real-world e-mails written by other projects, run through intake.

The corpus is not part of Unidesk (others' data is never committed): the directory comes
from UNIDESK_EMAIL_CORPUS, else ../shared/data/email/chatwoot next to the repository, else
/work/evaldata/email/chatwoot; the test is skipped when none exists. Every .eml there must
become a message (never lost) with a readable body or be kept raw and flagged; the files
named below must also come out with the sender, subject, attachment count and flags a
careful mail client (and chatwoot's own tests) show.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from unidesk.channels.email.services import receive_email

ROOT = Path(__file__).resolve().parents[4]


def corpus_dir() -> Path | None:
    candidates = [
        os.environ.get("UNIDESK_EMAIL_CORPUS", ""),
        str(ROOT.parent / "shared" / "data" / "email" / "chatwoot"),
        "/work/evaldata/email/chatwoot",
    ]
    return next((Path(c) for c in candidates if c and Path(c).is_dir()), None)


CORPUS = corpus_dir()
FILES = sorted(CORPUS.glob("*.eml")) if CORPUS else []

# file: (sender address, subject, attachments, auto-reply, bounce); None: not checked
# (attachments are unchecked where a local copy had its base64 bodies shortened).
EXPECTED: dict[str, tuple[str | None, str, int | None, bool, bool]] = {
    "attachments_without_text.eml": ("hello@icloud.com", "Hello there", 2, False, False),
    "auto_reply.eml": (
        "Sony@chatwoot.com", "Discussion: Let's debate these attachments", None, True, False
    ),
    "auto_reply_with_auto_submitted.eml": (
        "Sony@chatwoot.com", "Discussion: Let's debate these attachments", None, True, False
    ),
    "bounced_with_no_from.eml": (None, "Undelivered Mail Returned to Sender", None, False, True),
    "mail_with_no_subject.eml": ("sony@chatwoot.com", "", None, False, False),
    "mail_with_uppercase_from.eml": (
        "Test@chatwoot.com", "Discussion: Let's debate these attachments", None, False, False
    ),
    "malformed_reply_to.eml": ("SENDER@EXAMPLE.COM", "Empty Reply-To address", 0, False, False),
    "non_utf_encoded_mail.eml": ("example@gmail.com", "أهلين عميلنا الكريم", 0, True, False),
    "only_text.eml": ("text@example.com", "test text only mail", 0, False, False),
}  # fmt: skip

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not FILES, reason="no e-mail corpus (set UNIDESK_EMAIL_CORPUS)"),
]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_corpus_mail_becomes_a_readable_message(desk, mailbox, path: Path) -> None:  # type: ignore[no-untyped-def]
    result = receive_email(path.read_bytes(), via="smtp", mailbox=mailbox)

    message = result.message
    assert message is not None, f"{path.name} was lost ({result.status})"
    flags = message.flags
    readable = message.text.strip() or message.html.strip() or message.attachments.exists()
    assert readable or flags.get("unparseable"), path.name
    if flags.get("unparseable"):
        assert message.attachments.filter(filename="original.eml").exists()
    expected = EXPECTED.get(path.name)
    if expected is None:
        return
    sender, subject, attachments, auto_reply, bounce = expected
    if sender is not None:
        assert message.sender_address == sender
    assert message.subject == subject
    if attachments is not None:
        assert message.attachments.count() == attachments
    assert bool(flags.get("auto_reply")) is auto_reply
    assert bool(flags.get("bounce")) is bounce

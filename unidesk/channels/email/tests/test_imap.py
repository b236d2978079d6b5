"""Against a real Dovecot: mail delivered into a folder (IMAP APPEND), fetched by the poller."""

from __future__ import annotations

import imaplib
import ssl
import uuid

import pytest
from django.core.management import call_command

from unidesk.channels.email.imap import ImapError, poll_mailbox
from unidesk.channels.email.models import AfterFetch, Mailbox, Security
from unidesk.channels.email.services import receive_email
from unidesk.channels.email.tests.conftest import Dovecot, sample
from unidesk.tickets.models import Message

pytestmark = pytest.mark.django_db


def imap_client(server: Dovecot) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=10)
    client.login(server.user, server.password)
    return client


def new_folder(server: Dovecot, *mails: bytes) -> str:
    folder = f"t{uuid.uuid4().hex[:10]}"
    with imap_client(server) as client:
        assert client.create(folder)[0] == "OK"
        for raw in mails:
            assert (
                client.append(
                    folder, None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                )[0]
                == "OK"
            )
    return folder


def flags_in(server: Dovecot, folder: str) -> list[bytes]:
    with imap_client(server) as client:
        client.select(folder)
        _typ, data = client.uid("FETCH", "1:*", "(FLAGS)")
        return [d for d in data if isinstance(d, bytes)]


def count_in(server: Dovecot, folder: str) -> int:
    with imap_client(server) as client:
        typ, data = client.select(folder)
        return int(data[0]) if typ == "OK" else -1


@pytest.fixture
def imap_box(mailbox: Mailbox, dovecot: Dovecot, monkeypatch) -> Mailbox:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("UNIDESK_TEST_IMAP_PASSWORD", dovecot.password)
    mailbox.imap_host = "127.0.0.1"
    mailbox.imap_port = dovecot.imap_port
    mailbox.imap_security = Security.NONE
    mailbox.imap_user = dovecot.user
    mailbox.imap_password_env = "UNIDESK_TEST_IMAP_PASSWORD"
    mailbox.save()
    return mailbox


def trusting(server: Dovecot) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.ca_file)


def test_the_poller_fetches_new_mail_once_and_marks_it_read(desk, imap_box, dovecot) -> None:  # type: ignore[no-untyped-def]
    imap_box.imap_folder = new_folder(dovecot, sample("ru_koi8r.eml"), sample("gmail_reply.eml"))
    imap_box.save()

    first = poll_mailbox(imap_box)

    assert (first.fetched, first.created) == (2, 2)
    subjects = sorted(Message.objects.values_list("subject", flat=True))
    assert subjects == ["Re: Charged twice [#5]", "Не могу войти в личный кабинет"]
    imap_box.refresh_from_db()
    assert imap_box.imap_uidvalidity is not None and imap_box.imap_last_uid == 2
    assert imap_box.imap_error == ""
    assert all(b"\\Seen" in f for f in flags_in(dovecot, imap_box.imap_folder))

    again = poll_mailbox(imap_box)  # safe to run again: nothing new
    assert (again.fetched, Message.objects.count()) == (0, 2)


def test_a_rebuilt_folder_is_fetched_again_without_duplicates(desk, imap_box, dovecot) -> None:  # type: ignore[no-untyped-def]
    imap_box.imap_folder = new_folder(dovecot, sample("ru_koi8r.eml"))
    imap_box.save()
    poll_mailbox(imap_box)
    Mailbox.objects.filter(pk=imap_box.pk).update(imap_uidvalidity=1)  # as if rebuilt
    imap_box.refresh_from_db()

    result = poll_mailbox(imap_box)

    assert (result.fetched, result.repeats) == (1, 1)
    assert Message.objects.count() == 1


def test_the_same_mail_by_smtp_and_by_imap_is_one_message(desk, imap_box, dovecot) -> None:  # type: ignore[no-untyped-def]
    raw = sample("outlook_html.eml")
    receive_email(raw, via="smtp")
    imap_box.imap_folder = new_folder(dovecot, raw)
    imap_box.save()

    result = poll_mailbox(imap_box)

    assert (result.fetched, result.repeats) == (1, 1)
    assert Message.objects.count() == 1


def test_fetched_mail_can_be_moved_to_another_folder(desk, imap_box, dovecot) -> None:  # type: ignore[no-untyped-def]
    done = new_folder(dovecot)
    imap_box.imap_folder = new_folder(dovecot, sample("name_as_comment.eml"))
    imap_box.imap_after = AfterFetch.MOVE
    imap_box.imap_move_to = done
    imap_box.save()

    poll_mailbox(imap_box)

    assert count_in(dovecot, imap_box.imap_folder) == 0
    assert count_in(dovecot, done) == 1
    assert Message.objects.get().sender_address == "ken.adams@example.com"


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.SSL])
def test_it_polls_over_tls(desk, imap_box, dovecot, security) -> None:  # type: ignore[no-untyped-def]
    imap_box.imap_security = security
    imap_box.imap_port = dovecot.imaps_port if security == Security.SSL else dovecot.imap_port
    imap_box.imap_folder = new_folder(dovecot, sample("utf8_raw_headers.eml"))
    imap_box.save()

    result = poll_mailbox(imap_box, ssl_context=trusting(dovecot))

    assert result.created == 1
    with pytest.raises(ImapError):  # an untrusted certificate is refused
        poll_mailbox(imap_box)


def test_a_wrong_password_is_reported_on_the_mailbox(desk, imap_box, dovecot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("UNIDESK_TEST_IMAP_PASSWORD", "wrong")

    with pytest.raises(ImapError, match="login"):
        poll_mailbox(imap_box)

    imap_box.refresh_from_db()
    assert "login" in imap_box.imap_error
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # the command closes stale connections
def test_an_encrypted_password_in_the_database_works_too(desk, imap_box, dovecot) -> None:  # type: ignore[no-untyped-def]
    imap_box.imap_password_env = ""
    imap_box.set_imap_password(dovecot.password)
    imap_box.imap_folder = new_folder(dovecot, sample("ru_koi8r.eml"))
    imap_box.save()
    assert dovecot.password not in imap_box.imap_password_encrypted

    call_command("imap_poll", "--once")

    assert Message.objects.count() == 1

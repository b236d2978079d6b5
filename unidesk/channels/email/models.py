"""Mailboxes the desk receives at, signatures, and the e-mails that came in or went out."""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from unidesk.core import crypto


class Security(models.TextChoices):
    SSL = "ssl", _("IMAPS (TLS from the start, port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("None (plain text; only on a trusted network)")


class AfterFetch(models.TextChoices):
    SEEN = "seen", _("Mark as read")
    MOVE = "move", _("Move to another folder")


class Mailbox(models.Model):
    """An address customers write to. Mail for it arrives through `unidesk smtpd` (the
    envelope recipient decides) or is fetched by `unidesk imap-poll`."""

    address = models.EmailField(_("address"), unique=True)
    aliases = models.TextField(
        _("other addresses"),
        blank=True,
        help_text=_("More addresses delivered to this mailbox, one per line."),
    )
    from_name = models.CharField(
        _("sender name"), max_length=100, blank=True, help_text=_("Shown on replies.")
    )
    default_queue = models.ForeignKey(
        "queues.Queue",
        verbose_name=_("default queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("New tickets no routing rule claims go here; empty for the desk's default."),
    )
    signature = models.TextField(
        _("signature"),
        blank=True,
        help_text=_(
            "Under replies when their queue has none. {agent}, {queue} and {ticket} are filled in."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), null=True, blank=True)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password_env = models.CharField(
        _("password variable"),
        max_length=100,
        blank=True,
        help_text=_("Name of an environment variable holding the IMAP password (preferred)."),
    )
    imap_password_encrypted = models.TextField(_("password (encrypted)"), blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    imap_after = models.CharField(
        _("after fetching"), max_length=10, choices=AfterFetch.choices, default=AfterFetch.SEEN
    )
    imap_move_to = models.CharField(_("move to folder"), max_length=255, blank=True)
    imap_uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    imap_last_uid = models.BigIntegerField(_("last fetched UID"), default=0)
    imap_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    imap_error = models.TextField(_("last polling error"), blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def save(self, *args: object, **kwargs: object) -> None:
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        self.address = self.address.strip().lower()
        if self.imap_after == AfterFetch.MOVE and not self.imap_move_to.strip():
            raise ValidationError({"imap_move_to": _("Name the folder to move fetched mail to.")})
        if self.imap_host and not self.imap_user:
            raise ValidationError({"imap_user": _("IMAP needs a user name.")})

    @property
    def addresses(self) -> list[str]:
        extra = [a.strip().lower() for a in self.aliases.replace(",", "\n").splitlines()]
        return [self.address, *(a for a in extra if a)]

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1]

    @property
    def uses_imap(self) -> bool:
        return bool(self.imap_host)

    def set_imap_password(self, password: str) -> None:
        self.imap_password_encrypted = crypto.encrypt(password) if password else ""

    def imap_password(self) -> str | None:
        """From the named environment variable, else the encrypted field; None when
        neither gives one (unset variable, or encrypted under another key)."""
        if self.imap_password_env:
            return os.environ.get(self.imap_password_env)
        if not self.imap_password_encrypted:
            return None
        return crypto.try_decrypt(self.imap_password_encrypted) or None


class QueueSignature(models.Model):
    """The signature under replies from tickets in one queue (wins over the mailbox's)."""

    queue = models.OneToOneField(
        "queues.Queue",
        verbose_name=_("queue"),
        on_delete=models.CASCADE,
        related_name="email_signature",
    )
    text = models.TextField(
        _("signature"), help_text=_("{agent}, {queue} and {ticket} are filled in.")
    )

    class Meta:
        verbose_name = _("queue signature")
        verbose_name_plural = _("queue signatures")

    def __str__(self) -> str:
        return str(self.queue)


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class EmailStatus(models.TextChoices):
    RECEIVED = "received", _("Received on a ticket")
    BOUNCE = "bounce", _("Bounce noted on a ticket")
    LOOP = "loop", _("Ignored: from our own address")
    SENT = "sent", _("Sent")


class Email(models.Model):
    """One e-mail in or out: the ids it threads by and the original (PII redacted, see redact.py).

    Every mail the desk accepted has a row, also those that made no message (our own mail
    coming back): nothing accepted is ever lost. `mail_id` (the Message-ID) is unique, so
    the same mail delivered twice (SMTP and IMAP) is recognised.
    """

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    status = models.CharField(_("status"), max_length=10, choices=EmailStatus.choices)
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    message = models.OneToOneField(
        "tickets.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email",
    )
    mail_id = models.CharField(_("Message-ID"), max_length=500, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=500, blank=True)
    references = models.TextField(_("References"), blank=True)
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    reply_address = models.CharField(
        _("reply address"), max_length=320, blank=True, help_text=_("Reply-To, else From.")
    )
    to = models.TextField(_("to"), blank=True)
    cc = models.TextField(_("cc"), blank=True)
    quoted_text = models.TextField(
        _("quoted text"), blank=True, help_text=_("History the sender's client quoted.")
    )
    signature = models.TextField(_("signature"), blank=True)
    inline = models.JSONField(_("inline parts"), default=dict, blank=True)
    via = models.CharField(_("via"), max_length=10)
    envelope_from = models.CharField(_("envelope sender"), max_length=320, blank=True)
    envelope_to = models.TextField(_("envelope recipients"), blank=True)
    raw = models.FileField(_("original"), upload_to="email/%Y/%m/", blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The per-sender rate limit counts a sender's recent mails.
            models.Index(fields=["sender", "created_at"], name="email_sender_time"),
        ]

    def __str__(self) -> str:
        return self.mail_id

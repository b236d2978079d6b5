"""Telegram bots connected to the desk."""

from __future__ import annotations

import os
import secrets

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from unidesk.core.crypto import decrypt, encrypt
from unidesk.core.errors import DomainError


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class Mode(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook (Telegram calls the desk)")
    POLLING = "polling", _("Long polling (`unidesk telegram-poll`)")


class TelegramBot(models.Model):
    """One bot customers write to. Its token is stored encrypted, or read from the
    environment variable named in `token_env` (then nothing secret is in the database)."""

    name = models.CharField(_("name"), max_length=100)
    username = models.CharField(
        _("bot username"), max_length=64, blank=True, help_text=_("Filled in by the check.")
    )
    token_encrypted = models.TextField(_("token (encrypted)"), blank=True, editable=False)
    token_env = models.CharField(
        _("token from environment variable"),
        max_length=100,
        blank=True,
        validators=[RegexValidator(r"^[A-Z_][A-Z0-9_]*$", _("An environment variable name."))],
        help_text=_("Instead of storing the token: the name of a variable that holds it."),
    )
    default_queue = models.ForeignKey(
        "queues.Queue",
        verbose_name=_("default queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where its tickets go when no routing rule matches."),
    )
    mode = models.CharField(_("receive updates by"), max_length=10, choices=Mode.choices)
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=64,
        default=_new_secret,
        help_text=_("Telegram sends it in X-Telegram-Bot-Api-Secret-Token; others are refused."),
    )
    update_offset = models.BigIntegerField(
        _("next update id"), default=0, help_text=_("Long polling resumes here.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Telegram bot")
        verbose_name_plural = _("Telegram bots")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (@{self.username})" if self.username else self.name

    def set_token(self, token: str) -> None:
        self.token_encrypted = encrypt(token.strip()) if token.strip() else ""

    @property
    def has_token(self) -> bool:
        return bool(self.token_encrypted or self.token_env)

    def get_token(self) -> str:
        """The bot's token; DomainError when none is configured or it cannot be read."""
        if self.token_env:
            token = os.environ.get(self.token_env, "").strip()
            if not token:
                raise DomainError(f"The environment variable {self.token_env} is not set.")
            return token
        if not self.token_encrypted:
            raise DomainError("The bot has no token.")
        return decrypt(self.token_encrypted)

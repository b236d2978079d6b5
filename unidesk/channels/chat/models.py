"""Chat widgets a company puts on its sites, and the visitors' chat sessions."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_UPLOAD_TYPES = "image/png image/jpeg image/gif image/webp application/pdf text/plain"


def _new_key() -> str:
    return secrets.token_urlsafe(12)


class FieldMode(models.TextChoices):
    OFF = "off", _("Not asked")
    OPTIONAL = "optional", _("Optional")
    REQUIRED = "required", _("Required")


class WidgetLanguage(models.TextChoices):
    AUTO = "auto", _("The visitor's browser language")
    EN = "en", _("English")
    RU = "ru", _("Russian")


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL or origin, lower-cased; "" for junk."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        return ""
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


class ChatWidget(models.Model):
    """One chat widget: how it looks, what it asks, where it may be embedded, where it routes.

    The snippet names the widget by `key` (public: it is in the page's source). Only pages
    on `allowed_origins` (and the desk's own site) may open a chat with it.
    """

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(
        _("public key"),
        max_length=32,
        unique=True,
        default=_new_key,
        help_text=_("Names the widget in the snippet; not a secret."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#2563eb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #2563eb."))],
    )
    language = models.CharField(
        _("language"), max_length=4, choices=WidgetLanguage.choices, default=WidgetLanguage.AUTO
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    greeting = models.TextField(
        _("greeting"), blank=True, help_text=_("The first line the visitor reads; empty: ours.")
    )
    ask_name = models.CharField(
        _("ask for the name"), max_length=10, choices=FieldMode.choices, default=FieldMode.OPTIONAL
    )
    ask_email = models.CharField(
        _("ask for the e-mail"),
        max_length=10,
        choices=FieldMode.choices,
        default=FieldMode.OPTIONAL,
    )
    queue = models.ForeignKey(
        "queues.Queue",
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Where chats go when no routing rule matches; its agents are the ones whose "
            "presence makes the widget say someone is online. Empty: the default queue, "
            "and any agent."
        ),
    )
    allowed_origins = models.TextField(
        _("allowed sites"),
        blank=True,
        help_text=_(
            "One origin per line, e.g. https://shop.example.com. The desk's own site is "
            "always allowed."
        ),
    )
    max_upload_bytes = models.PositiveIntegerField(
        _("largest upload (bytes)"), default=10 * 1024 * 1024
    )
    upload_types = models.CharField(
        _("accepted file types"),
        max_length=500,
        blank=True,
        default=DEFAULT_UPLOAD_TYPES,
        help_text=_("Content types separated by spaces; empty: no uploads."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def origins(self) -> set[str]:
        return {o for o in (origin_of(line) for line in self.allowed_origins.split()) if o}

    def allows_origin(self, origin: str, *, own: str) -> bool:
        """Whether a page at `origin` may use the widget; `own` is the desk's own origin."""
        wanted = origin_of(origin)
        return bool(wanted) and (wanted == origin_of(own) or wanted in self.origins)

    @property
    def accepted_types(self) -> list[str]:
        return [t.lower() for t in self.upload_types.split() if t]


class ChatSession(models.Model):
    """A visitor of one widget, known by the signed token in their browser's storage.

    `ticket` is the conversation the widget shows and continues; the visitor's identity for
    the intake door is `external:chat:<visitor_id>`, plus the e-mail once they give one.
    """

    widget = models.ForeignKey(ChatWidget, on_delete=models.CASCADE, related_name="sessions")
    visitor_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.CharField(_("e-mail"), max_length=320, blank=True)
    page_url = models.CharField(_("page"), max_length=2000, blank=True)
    page_title = models.CharField(_("page title"), max_length=300, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    left_email = models.BooleanField(
        _("left an e-mail address"),
        default=False,
        help_text=_("No agent was online: the conversation continues by e-mail."),
    )
    created_at = models.DateTimeField(_("started"))
    last_seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("chat visitor")
        verbose_name_plural = _("chat visitors")
        indexes = [models.Index(fields=["ticket"], name="chat_session_ticket")]

    def __str__(self) -> str:
        return self.name or self.email or str(self.visitor_id)[:8]

    @property
    def identity(self) -> tuple[str, str]:
        return ("external", f"chat:{self.visitor_id}")

"""Queues, the order each is worked in, and the rules that route tickets into them."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from unidesk.sla.models import Priority


class Strategy(models.TextChoices):
    FIFO = "fifo", _("Oldest first (FIFO)")
    LIFO = "lifo", _("Freshest first (LIFO)")
    SLA = "sla", _("Earliest due first (SLA)")
    HYBRID = "hybrid", _("Freshest first, with a wait cap (hybrid)")


class Urgency(models.IntegerChoices):
    """Urgent queues are served before normal ones, normal before background."""

    BACKGROUND = 0, _("Background")
    NORMAL = 1, _("Normal")
    URGENT = 2, _("Urgent")


class Queue(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    strategy = models.CharField(
        _("ordering"), max_length=10, choices=Strategy.choices, default=Strategy.FIFO
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, default=Urgency.NORMAL
    )
    hybrid_wait_cap_minutes = models.PositiveIntegerField(
        _("hybrid wait cap (min)"),
        default=240,
        help_text=_("Hybrid only: a ticket waiting longer than this is taken before fresh ones."),
    )
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queues",
    )
    is_default = models.BooleanField(
        _("default queue"), default=False, help_text=_("Where tickets go when no rule matches.")
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agents skilled for this queue"),
        blank=True,
        related_name="skills",
    )

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["-urgency", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="queue_single_default",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ChannelWeight(models.Model):
    """How much sooner a channel's tickets are served. Chat and phone outrank email."""

    channel = models.CharField(_("channel"), max_length=20, unique=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        verbose_name = _("channel weight")
        verbose_name_plural = _("channel weights")
        ordering = ["-weight"]

    def __str__(self) -> str:
        return f"{self.channel}: {self.weight}"


class RoutingRule(models.Model):
    """First active rule (by position) whose every given condition matches routes a ticket.

    Empty conditions match everything; keywords match whole words, case-insensitively, in
    the subject or text; a regex is searched in the subject and text.
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="rules"
    )
    keywords = models.JSONField(
        _("keywords"), default=list, blank=True, help_text=_("Any of these words matches.")
    )
    regex = models.CharField(_("regular expression"), max_length=500, blank=True)
    channels = models.JSONField(
        _("channels"), default=list, blank=True, help_text=_("Empty means any channel.")
    )
    tiers = models.JSONField(
        _("customer tiers"), default=list, blank=True, help_text=_("Empty means any tier.")
    )
    set_priority = models.PositiveSmallIntegerField(
        _("set priority"), null=True, blank=True, choices=Priority.choices
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} → {self.queue}"

    def clean(self) -> None:
        if self.regex:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValidationError(
                    {"regex": _("Not a valid regular expression: %s") % exc}
                ) from None
        if not isinstance(self.keywords, list) or not all(
            isinstance(k, str) for k in self.keywords
        ):
            raise ValidationError({"keywords": _("Keywords must be a list of strings.")})

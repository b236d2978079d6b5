"""The desk's topic-routing models (one row per trained version) and each ticket's topic."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    TRAINING = "training", _("Training")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    COMMAND = "command", _("Command line")
    WORKSPACE = "workspace", _("Workspace")


class TopicModel(models.Model):
    """One training run of the topic router on the desk's own tickets.

    A ready row holds the model (``blob``, compressed joblib) and what it scored on the most
    recent tickets it was not trained on (``metrics``). At most one row is active: intake
    routes with it. Old rows keep their metrics; their blobs are pruned.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ModelStatus.choices, default=ModelStatus.QUEUED
    )
    is_active = models.BooleanField(_("active"), default=False)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    encoder = models.CharField(_("sentence encoder"), max_length=20, blank=True)
    examples = models.PositiveIntegerField(_("training tickets"), default=0)
    held_out = models.PositiveIntegerField(_("evaluation tickets"), default=0)
    threshold = models.FloatField(_("confidence threshold"), default=1.0)
    labels = models.JSONField(_("queues"), default=list, blank=True)
    metrics = models.JSONField(_("evaluation"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    blob = models.BinaryField(_("model"), null=True, blank=True, editable=False)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), default=0)

    class Meta:
        verbose_name = _("topic model")
        verbose_name_plural = _("topic models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="topic_model_single_active"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"

    @property
    def accuracy(self) -> float | None:
        value = (self.metrics or {}).get("top1_accuracy")
        return float(value) if value is not None else None

    @property
    def routed_share(self) -> float | None:
        value = (self.metrics or {}).get("routed_share")
        return float(value) if value is not None else None

    @property
    def routed_precision(self) -> float | None:
        value = (self.metrics or {}).get("routed_precision")
        return float(value) if value is not None else None

    @property
    def encoder_share(self) -> float | None:
        """Share of the checked messages the sentence encoder read (the rest were clear
        from their words alone); None for a model without an encoder."""
        value = (self.metrics or {}).get("encoder_share")
        return float(value) if value is not None else None


class TicketTopic(models.Model):
    """What the active topic model read in a new ticket's first message."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="topic",
    )
    model = models.ForeignKey(
        TopicModel,
        verbose_name=_("topic model"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predictions",
    )
    model_version = models.PositiveIntegerField(_("model version"))
    queue = models.ForeignKey(
        "queues.Queue",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    label = models.CharField(_("topic name"), max_length=100)
    confidence = models.FloatField(_("confidence"))
    routed = models.BooleanField(
        _("routed by the model"),
        default=False,
        help_text=_("The model chose the queue (no explicit rule matched, confident enough)."),
    )
    created_at = models.DateTimeField(_("predicted"))

    class Meta:
        verbose_name = _("ticket topic")
        verbose_name_plural = _("ticket topics")

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.label} ({self.confidence:.0%})"

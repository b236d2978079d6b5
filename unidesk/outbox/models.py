"""The outbox: one delivery row per agent reply that a channel must carry to the customer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """The row is the task: the worker claims due rows, sends, and records the outcome.

    `next_attempt_at` is when a queued delivery is due; while `sending` it is the end of
    the worker's lease, after which a delivery left behind by a crashed worker is due again.
    """

    message = models.OneToOneField(
        "tickets.Message",
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="delivery",
    )
    channel = models.CharField(_("channel"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    remote_id = models.CharField(_("id in the channel"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # The worker's seek: due rows of one status, oldest first (a plain index: SQLite
            # does not use a partial one when the status comes as a bound parameter).
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due")
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: message {self.message_id}"

    @property
    def is_pending(self) -> bool:
        return self.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)

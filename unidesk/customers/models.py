"""Customers, their identities per channel, and their value to the company."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    PREMIUM = "premium", _("Premium")
    VIP = "vip", _("VIP")


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    TELEGRAM = "telegram", _("Telegram")
    EXTERNAL = "external", _("External id")


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    language = models.CharField(_("language"), max_length=16, blank=True)
    lifetime_value = models.DecimalField(
        _("lifetime value"), max_digits=14, decimal_places=2, default=0
    )
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class Identity(models.Model):
    """How a customer is known on one channel. `value` is stored normalised (see services)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=10, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=320)
    created_at = models.DateTimeField(auto_now_add=True)
    bouncing_since = models.DateTimeField(
        _("bouncing since"),
        null=True,
        blank=True,
        help_text=_("Mail to this address came back undelivered; cleared when it writes again."),
    )
    bounce_reason = models.CharField(_("bounce reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_kind_value")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"

"""Staffing settings per desk and per channel, and the roster of planned staff.

The maths in this app is pure (``erlang_c``, ``forecast``, ``plan`` ...); these models only
hold what a lead decides: how each channel is staffed, how it is forecast, and how many
people are on the roster in each interval.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from unidesk.wfm.forecast import SHAPE_PRESETS
from unidesk.wfm.plan import ChannelSettings


class IntervalLength(models.IntegerChoices):
    QUARTER = 15, _("15 minutes")
    HALF_HOUR = 30, _("30 minutes")
    HOUR = 60, _("1 hour")


class StaffingSettings(models.Model):
    """The desk's planning grid: one row (pk 1); defaults apply until it is saved."""

    calendar = models.ForeignKey(
        "sla.Calendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Its time zone lays out the plan's days; its holidays shape the forecast."),
    )
    interval_minutes = models.PositiveSmallIntegerField(
        _("interval"), choices=IntervalLength.choices, default=IntervalLength.HALF_HOUR
    )
    history_weeks = models.PositiveSmallIntegerField(
        _("weeks of history"),
        default=8,
        validators=[MinValueValidator(2), MaxValueValidator(52)],
        help_text=_("How many weeks of tickets the forecast learns from."),
    )
    holdout_weeks = models.PositiveSmallIntegerField(
        _("weeks held out for the back-test"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )

    class Meta:
        verbose_name = _("staffing settings")
        verbose_name_plural = _("staffing settings")

    def __str__(self) -> str:
        return str(_("Staffing settings"))

    @classmethod
    def load(cls) -> StaffingSettings:
        """The saved settings, or the defaults (unsaved) when nobody has saved any yet."""
        found = cls.objects.select_related("calendar").filter(pk=1).first()
        return found if found is not None else cls(pk=1)

    @property
    def time_zone(self) -> str:
        from django.conf import settings

        return self.calendar.time_zone if self.calendar is not None else settings.TIME_ZONE


class PlanModelChoice(models.TextChoices):
    ERLANG_C = "erlang_c", _("Erlang C (queue, nobody hangs up)")
    ERLANG_A = "erlang_a", _("Erlang A (queue with abandonment)")
    CHAT_SLOTS = "chat_slots", _("Chat: slots per agent")
    CHAT_AHT_DIVIDE = "chat_aht_divide", _("Chat: divided handle time")
    EMAIL_WORKLOAD = "email_workload", _("Email: workload and backlog")


class ForecastSource(models.TextChoices):
    AUTO = "auto", _("History when there is enough, else the manual profile")
    HISTORY = "history", _("History of tickets")
    MANUAL = "manual", _("Manual profile")


class MarginKind(models.TextChoices):
    NONE = "none", _("No margin")
    PERCENT = "percent", _("A fixed percentage")
    VOLATILITY = "volatility", _("From the forecast's volatility")


def default_weekday_weights() -> list[float]:
    return [1, 1, 1, 1, 1, 0.5, 0.3]


def default_hourly_shape() -> list[float]:
    return list(SHAPE_PRESETS["extended"])


_SHARE = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]


class ChannelStaffing(models.Model):
    """How one channel is staffed and forecast. Times in seconds, shares as fractions."""

    channel = models.CharField(
        _("channel"),
        max_length=20,
        unique=True,
        help_text=_("As on tickets: email, chat, phone, telegram, api ..."),
    )
    is_active = models.BooleanField(_("planned"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    model = models.CharField(
        _("staffing model"),
        max_length=20,
        choices=PlanModelChoice.choices,
        default=PlanModelChoice.ERLANG_C,
    )
    aht_seconds = models.PositiveIntegerField(
        _("average handle time (s)"),
        default=300,
        validators=[MinValueValidator(1)],
        help_text=_("For chat: one chat's duration (at the concurrency, for the slots model)."),
    )
    target_seconds = models.PositiveIntegerField(
        _("answer target (s)"),
        null=True,
        blank=True,
        help_text=_("Answer within this many seconds; for email, the response target."),
    )
    sl_target = models.DecimalField(
        _("service level target"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        default=Decimal("0.800"),
        validators=_SHARE,
        help_text=_("0.8 for 80%."),
    )
    asa_target_seconds = models.PositiveIntegerField(_("ASA target (s)"), null=True, blank=True)
    max_occupancy = models.DecimalField(
        _("maximum occupancy"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        default=Decimal("0.850"),
        validators=_SHARE,
        help_text=_("0.85 for 85%."),
    )
    shrinkage = models.DecimalField(
        _("shrinkage"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.300"),
        validators=_SHARE,
        help_text=_("Breaks, training, absence: 0.3 for 30%."),
    )
    patience_seconds = models.PositiveIntegerField(
        _("mean patience (s)"),
        null=True,
        blank=True,
        help_text=_("Erlang A: how long callers wait on average before hanging up."),
    )
    max_abandon = models.DecimalField(
        _("maximum abandon rate"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=_SHARE,
        help_text=_("Erlang A: 0.05 for at most 5% hanging up."),
    )
    concurrency = models.PositiveSmallIntegerField(
        _("chats at once"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    chat_factor = models.DecimalField(
        _("chat factor"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Divided handle time: empty uses Call Centre Helper's table."),
    )

    forecast_source = models.CharField(
        _("forecast from"), max_length=10, choices=ForecastSource.choices, default="auto"
    )
    manual_daily_volume = models.PositiveIntegerField(
        _("contacts on a typical day"),
        null=True,
        blank=True,
        help_text=_("Manual profile: a weekday of weight 1."),
    )
    manual_weekday_weights = models.JSONField(
        _("weekday weights"),
        default=default_weekday_weights,
        help_text=_("Seven numbers, Monday first: 0.5 is half as busy."),
    )
    manual_hourly_shape = models.JSONField(
        _("intraday shape"),
        default=default_hourly_shape,
        help_text=_("24 hourly weights, from 00:00."),
    )
    margin_kind = models.CharField(
        _("margin for unpredictable load"),
        max_length=10,
        choices=MarginKind.choices,
        default=MarginKind.VOLATILITY,
    )
    margin_percent = models.DecimalField(
        _("margin"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(5))],
        help_text=_("A fixed margin: 0.1 adds 10%."),
    )
    margin_coverage = models.DecimalField(
        _("days covered"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.900"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.999"))],
        help_text=_("Volatility margin: 0.9 covers 9 days in 10."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("channel staffing")
        verbose_name_plural = _("channel staffing")
        ordering = ["position", "channel"]

    def __str__(self) -> str:
        return self.channel

    def to_settings(self) -> ChannelSettings:
        """The pure settings the plan is computed from (not validated here)."""

        def num(value: Decimal | int | None) -> float | None:
            return None if value is None else float(value)

        return ChannelSettings(
            channel=self.channel,
            model=self.model,  # type: ignore[arg-type]
            aht_s=float(self.aht_seconds),
            shrinkage=float(self.shrinkage),
            target_s=num(self.target_seconds),
            sl_target=num(self.sl_target),
            asa_target_s=num(self.asa_target_seconds),
            max_occupancy=num(self.max_occupancy),
            patience_s=num(self.patience_seconds),
            max_abandon=num(self.max_abandon),
            concurrency=self.concurrency,
            factor=num(self.chat_factor),
        )


class PlannedStaff(models.Model):
    """People on the roster for one channel in one interval of one local day.

    ``minute`` is the interval's start in minutes after local midnight (in the plan's time
    zone): keyed by wall-clock time, a roster stays put across daylight-saving changes.
    """

    channel = models.CharField(_("channel"), max_length=20)
    day = models.DateField(_("day"))
    minute = models.PositiveSmallIntegerField(
        _("starts (minute of day)"), validators=[MaxValueValidator(1439)]
    )
    agents = models.PositiveSmallIntegerField(_("people planned"))

    class Meta:
        verbose_name = _("planned staff")
        verbose_name_plural = _("planned staff")
        ordering = ["channel", "day", "minute"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "day", "minute"], name="planned_staff_unique_slot"
            ),
            models.CheckConstraint(
                condition=models.Q(minute__lt=1440), name="planned_staff_minute"
            ),
        ]

    def __str__(self) -> str:
        hours, minutes = divmod(self.minute, 60)
        return f"{self.channel} {self.day} {hours:02}:{minutes:02} {self.agents}"

"""Forms of the staffing page: shares are typed as percentages (80 for 80 %), stored as
fractions; they parse and validate, and the wfm services do the work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from unidesk.sla.models import Calendar
from unidesk.wfm.forecast import SHAPE_PRESETS
from unidesk.wfm.models import (
    ChannelStaffing,
    ForecastSource,
    IntervalLength,
    MarginKind,
    PlanModelChoice,
)
from unidesk.wfm.selectors import WhatIf
from unidesk.wfm.services import MAX_PLANNED, RosterEntry

_HUNDRED = Decimal(100)


def _pct(label: Any, *, low: float, high: float, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(str(low)),
        max_value=Decimal(str(high)),
        decimal_places=1,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )


def _to_share(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value / _HUNDRED).quantize(Decimal("0.001"))


def _to_pct(value: Decimal | None) -> Decimal | None:
    """0.800 -> 80, 0.125 -> 12.5 (never exponent notation such as 8E+1)."""
    if value is None:
        return None
    pct = (value * _HUNDRED).quantize(Decimal("0.1"))
    return pct.quantize(Decimal(1)) if pct == pct.to_integral_value() else pct


class WhatIfForm(forms.Form):
    """Try other figures on one channel without saving them.

    Every field is sent each time; a field equal to the saved setting changes nothing. The
    margin is applied only when it differs from ``margin_base`` (the margin in force when
    the form was drawn, which may come from the forecast's volatility).
    """

    aht_s = forms.IntegerField(
        label=_("Handle time (s)"), min_value=1, max_value=86_400, required=False
    )
    target_s = forms.IntegerField(
        label=_("Answer within (s)"), min_value=0, max_value=604_800, required=False
    )
    sl_target = _pct(_("Service level (%)"), low=1, high=99.9)
    shrinkage = _pct(_("Shrinkage (%)"), low=0, high=95)
    max_occupancy = _pct(_("Max occupancy (%)"), low=1, high=100)
    margin = _pct(_("Margin (%)"), low=0, high=500)
    margin_base = forms.DecimalField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, row: ChannelStaffing, *, margin: float) -> dict[str, Any]:
        shown = _to_pct(Decimal(str(round(margin, 3))))
        return {
            "aht_s": row.aht_seconds,
            "target_s": row.target_seconds,
            "sl_target": _to_pct(row.sl_target),
            "shrinkage": _to_pct(row.shrinkage),
            "max_occupancy": _to_pct(row.max_occupancy),
            "margin": shown,
            "margin_base": shown,
        }

    def what_if(self) -> WhatIf:
        data = self.cleaned_data

        def share(name: str) -> float | None:
            value = _to_share(data.get(name))
            return None if value is None else float(value)

        margin = data.get("margin")
        return WhatIf(
            aht_s=None if data.get("aht_s") is None else float(data["aht_s"]),
            target_s=None if data.get("target_s") is None else float(data["target_s"]),
            sl_target=share("sl_target"),
            shrinkage=share("shrinkage"),
            max_occupancy=share("max_occupancy"),
            margin_percent=share("margin") if margin != data.get("margin_base") else None,
        )

    def differs_from(self, row: ChannelStaffing) -> bool:
        """True when the form asks for anything other than the saved settings."""
        data = self.cleaned_data
        saved = {
            "aht_s": row.aht_seconds,
            "target_s": row.target_seconds,
            "sl_target": _to_pct(row.sl_target),
            "shrinkage": _to_pct(row.shrinkage),
            "max_occupancy": _to_pct(row.max_occupancy),
        }
        if data.get("margin") != data.get("margin_base"):
            return True
        return any(
            data.get(name) is not None and data.get(name) != value for name, value in saved.items()
        )


class _FloatList(forms.CharField):
    """Comma- or space-separated numbers >= 0."""

    def __init__(self, *, count: int, **kwargs: Any) -> None:
        self.count = count
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(f"{v:g}" for v in value)
        return value

    def to_python(self, value: Any) -> list[float] | None:  # type: ignore[override]
        text = str(value or "").replace(";", ",").replace(" ", ",")
        parts = [p for p in text.split(",") if p]
        if not parts:
            return None
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(_("Numbers only, separated by commas.")) from None
        if len(numbers) != self.count:
            raise forms.ValidationError(
                _("Give %(count)d numbers (you gave %(given)d).")
                % {"count": self.count, "given": len(numbers)}
            )
        if any(n < 0 or n != n or n > 1e6 for n in numbers):
            raise forms.ValidationError(_("Every number must be between 0 and a million."))
        return numbers


SHAPE_CHOICES = [
    ("", _("keep the shape below")),
    ("office", _("Office hours, 9 to 18")),
    ("extended", _("Extended, 8 to 22")),
    ("round_the_clock", _("Around the clock, busier by day")),
    ("flat", _("Even over 24 hours")),
]


class ChannelStaffingForm(forms.Form):
    """One channel's staffing and forecast settings, as a lead reads them."""

    channel = forms.SlugField(label=_("Channel"), max_length=20)
    is_active = forms.BooleanField(label=_("Plan this channel"), required=False)
    model = forms.ChoiceField(label=_("Staffing model"), choices=PlanModelChoice.choices)
    aht_seconds = forms.IntegerField(label=_("Handle time (s)"), min_value=1, max_value=86_400)
    target_seconds = forms.IntegerField(
        label=_("Answer within (s)"),
        min_value=0,
        max_value=604_800,
        required=False,
        help_text=_("For email: the response target, e.g. 14400 for 4 hours."),
    )
    sl_target = _pct(_("Service level (%)"), low=1, high=99.9)
    asa_target_seconds = forms.IntegerField(
        label=_("ASA target (s)"), min_value=1, max_value=86_400, required=False
    )
    max_occupancy = _pct(_("Max occupancy (%)"), low=1, high=100)
    shrinkage = _pct(_("Shrinkage (%)"), low=0, high=95, required=True)
    patience_seconds = forms.IntegerField(
        label=_("Mean patience (s)"),
        min_value=1,
        max_value=86_400,
        required=False,
        help_text=_("Erlang A only."),
    )
    max_abandon = _pct(_("Max abandon (%)"), low=0.1, high=99)
    concurrency = forms.IntegerField(label=_("Chats at once"), min_value=1, max_value=10, initial=1)
    chat_factor = forms.DecimalField(
        label=_("Chat factor"),
        min_value=Decimal(1),
        max_value=Decimal(10),
        decimal_places=2,
        required=False,
        help_text=_("Divided handle time: empty uses Call Centre Helper's table."),
    )
    forecast_source = forms.ChoiceField(label=_("Forecast from"), choices=ForecastSource.choices)
    manual_daily_volume = forms.IntegerField(
        label=_("Contacts on a typical day"), min_value=0, max_value=10_000_000, required=False
    )
    manual_weekday_weights = _FloatList(
        count=7,
        label=_("Weekday weights, Monday first"),
        required=False,
        help_text=_("1 is a typical day, 0.5 half as busy."),
    )
    shape_preset = forms.ChoiceField(
        label=_("Intraday shape"), choices=SHAPE_CHOICES, required=False
    )
    manual_hourly_shape = _FloatList(count=24, label=_("Hourly weights from 00:00"), required=False)
    margin_kind = forms.ChoiceField(label=_("Margin"), choices=MarginKind.choices)
    margin_percent = _pct(_("Fixed margin (%)"), low=0, high=500)
    margin_coverage = _pct(_("Volatility margin: days covered (%)"), low=50, high=99.9)

    _SHARES = ("sl_target", "max_occupancy", "shrinkage", "max_abandon", "margin_percent",
               "margin_coverage")  # fmt: skip

    @classmethod
    def initial_for(cls, row: ChannelStaffing) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(row, name) for name in cls.base_fields if hasattr(row, name)
        }
        for name in cls._SHARES:
            initial[name] = _to_pct(getattr(row, name))
        return initial

    def changes(self) -> dict[str, Any]:
        """Model field values from the cleaned form (percentages back to fractions)."""
        data = dict(self.cleaned_data)
        preset = data.pop("shape_preset", "")
        for name in self._SHARES:
            data[name] = _to_share(data.get(name))
        if data.get("margin_percent") is None:
            data["margin_percent"] = Decimal("0")
        if data.get("margin_coverage") is None:
            data["margin_coverage"] = Decimal("0.9")
        if preset:
            data["manual_hourly_shape"] = list(SHAPE_PRESETS[preset])
        for name in ("manual_weekday_weights", "manual_hourly_shape"):
            if data.get(name) is None:
                data.pop(name)
        return data


class StaffingSettingsForm(forms.Form):
    calendar = forms.ModelChoiceField(
        Calendar.objects.order_by("name"),
        label=_("Business calendar"),
        required=False,
        empty_label=_("none (server time zone, no holidays)"),
    )
    interval_minutes = forms.TypedChoiceField(
        label=_("Interval"), choices=IntervalLength.choices, coerce=int
    )
    history_weeks = forms.IntegerField(label=_("Weeks of history"), min_value=2, max_value=52)
    holdout_weeks = forms.IntegerField(
        label=_("Weeks held out for the back-test"), min_value=1, max_value=8
    )


class RosterDayForm(forms.Form):
    """People planned per interval of one day of one channel (empty clears the interval)."""

    channel = forms.SlugField(max_length=20)
    day = forms.DateField()

    def __init__(self, *args: Any, minutes: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minutes = minutes
        for minute in minutes:
            self.fields[f"m{minute}"] = forms.IntegerField(
                min_value=0, max_value=MAX_PLANNED, required=False
            )

    def entries(self) -> list[RosterEntry]:
        data = self.cleaned_data
        return [
            RosterEntry(
                channel=data["channel"], day=data["day"], minute=m, agents=data.get(f"m{m}")
            )
            for m in self.minutes
        ]


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("Roster CSV"))

    MAX_BYTES = 2_000_000

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None

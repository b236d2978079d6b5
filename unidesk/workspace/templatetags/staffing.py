"""Display helpers of the staffing page: shares as percentages, durations, gaps."""

from __future__ import annotations

import math

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    """0.8834 -> '88.3 %'; None or NaN -> '–'."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{number_format(round(value * 100, digits), digits)} %"


@register.filter
def signed_pct(value: float | None) -> str:
    """0.021 -> '+2.1 %'."""
    if value is None or not math.isfinite(value):
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{number_format(round(abs(value) * 100, 1), 1)} %"


@register.filter
def num1(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return str(number_format(round(value, 1), 1))


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as '45 s', '12 min', '4 h 16 min', '2 d 3 h'."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    s = round(seconds)
    if s < 60:
        return _("%(n)d s") % {"n": s}
    minutes = s // 60
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


@register.filter
def gap_class(gap: int | None) -> str:
    if gap is None or gap == 0:
        return ""
    return "short" if gap < 0 else "slack"

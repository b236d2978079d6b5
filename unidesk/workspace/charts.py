"""Inline SVG charts, built on the server (no JavaScript): staff required versus planned.

Every piece of text goes through ``format_html``/``escape``; the numbers are ours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from numpy.typing import NDArray

WIDTH, HEIGHT = 1000, 230
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 22, 20


@dataclass(frozen=True, slots=True)
class ChartDay:
    day: date
    label: str
    href: str
    is_holiday: bool = False
    is_selected: bool = False


def _nice_max(value: float) -> int:
    """A round top for the y axis: 1, 2, 5, 10, 20, 50 ..."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)  # pragma: no cover


def _step_path(values: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> str:
    parts = []
    for i in range(values.size):
        parts.append(f"{'M' if i == 0 else 'L'}{x[i]:.1f},{y[i]:.1f}H{x[i + 1]:.1f}")
    return "".join(parts)


def staffing_chart(
    *,
    required: Sequence[int] | NDArray[np.int64],
    planned: Sequence[int] | NDArray[np.int64] | None,
    days: list[ChartDay],
    interval_labels: list[str],
    now_index: int | None = None,
    title: str = "",
) -> SafeString:
    """Staff required (blue step line) and planned (dark line) per interval of a week.

    Where planned is below required the gap is filled red; where above, pale green.
    ``planned`` values below zero mean "no roster" for that interval. Each day's label links
    to that day's table; each interval has a hover title with its figures.
    """
    need = np.asarray(required, dtype=np.float64)
    n = need.size
    have = None if planned is None else np.asarray(planned, dtype=np.float64)
    top = _nice_max(float(max(need.max(initial=0), 0 if have is None else have.max(initial=0))))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    x = LEFT + np.arange(n + 1) * plot_w / max(n, 1)

    def y(v: NDArray[np.float64] | float) -> NDArray[np.float64]:
        return np.asarray(TOP + plot_h - np.asarray(v) * plot_h / top, dtype=np.float64)

    out: list[str] = [
        str(
            format_html(
                '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
                'xmlns="http://www.w3.org/2000/svg"><title>{}</title>',
                WIDTH,
                HEIGHT,
                title,
                title,
            )
        )
    ]
    # grid and y labels
    step = max(1, top // 5)
    for v in range(0, top + 1, step):
        yy = float(y(v))
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
            f'<text class="axis" x="{LEFT - 4}" y="{yy + 4:.1f}" text-anchor="end">{v}</text>'
        )
    # days: separators, labels (links), holidays shaded
    per_day = n // max(1, len(days))
    for d, day in enumerate(days):
        x0, x1 = float(x[d * per_day]), float(x[min(n, (d + 1) * per_day)])
        if day.is_holiday:
            out.append(
                f'<rect class="holiday" x="{x0:.1f}" y="{TOP}" width="{x1 - x0:.1f}" '
                f'height="{plot_h}"/>'
            )
        if day.is_selected:
            out.append(
                f'<rect class="selected" x="{x0:.1f}" y="{TOP}" width="{x1 - x0:.1f}" '
                f'height="{plot_h}"/>'
            )
        if d:
            out.append(
                f'<line class="day" x1="{x0:.1f}" x2="{x0:.1f}" y1="{TOP - 16}" '
                f'y2="{TOP + plot_h}"/>'
            )
        out.append(
            str(
                format_html(
                    '<a href="{}"><text class="daylabel{}" x="{}" y="{}">{}</text></a>',
                    day.href,
                    " on" if day.is_selected else "",
                    f"{x0 + 4:.1f}",
                    TOP - 6,
                    day.label,
                )
            )
        )
    # gap (short) and slack (surplus)
    if have is not None:
        for j in np.flatnonzero((have >= 0) & (have != need)):
            lo, hi = sorted((float(have[j]), float(need[j])))
            cls = "short" if have[j] < need[j] else "slack"
            out.append(
                f'<rect class="{cls}" x="{x[j]:.1f}" y="{float(y(hi)):.1f}" '
                f'width="{x[j + 1] - x[j]:.2f}" height="{float(y(lo) - y(hi)):.1f}"/>'
            )
    if n:
        out.append(f'<path class="required" d="{_step_path(need, x, y(need))}"/>')
    if have is not None and np.any(have >= 0):
        shown = np.where(have >= 0, have, 0)
        out.append(f'<path class="planned" d="{_step_path(shown, x, y(shown))}"/>')
    if now_index is not None and 0 <= now_index < n:
        xn = float(x[now_index])
        out.append(
            f'<line class="now" x1="{xn:.1f}" x2="{xn:.1f}" y1="{TOP}" y2="{TOP + plot_h}"/>'
        )
    # hover titles, one transparent column per interval
    for i in range(n):
        label = interval_labels[i] if i < len(interval_labels) else ""
        text = _("%(when)s: required %(need)d") % {"when": label, "need": int(need[i])}
        if have is not None and have[i] >= 0:
            text += ", " + _("planned %(have)d") % {"have": int(have[i])}
        out.append(
            f'<rect class="hit" x="{x[i]:.1f}" y="{TOP}" width="{x[i + 1] - x[i]:.2f}" '
            f'height="{plot_h}"><title>{escape(text)}</title></rect>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # every text part escaped above

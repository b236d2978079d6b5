"""Rendering customer text safely, and small display helpers."""

from __future__ import annotations

from datetime import datetime

import nh3
from django import template
from django.utils import timezone
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_LINK_ATTRS = {"a": {"target": "_blank"}}
_HTML_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
    "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul",
}  # fmt: skip


def _clean(html: str, tags: set[str]) -> SafeString:
    """nh3 (Ammonia) allow-list: no scripts, styles, event handlers or javascript: links;
    every link opens in a new tab with rel="noopener noreferrer nofollow"."""
    cleaned = nh3.clean(
        html,
        tags=tags,
        attributes={"a": {"href", "title"}, "td": {"colspan"}, "th": {"colspan"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values=_LINK_ATTRS,
    )
    return mark_safe(cleaned)  # sanitised above


@register.filter
def customer_text(text: str) -> SafeString:
    """Plain customer text: escaped, line breaks kept, URLs made into safe links."""
    escaped = urlize(escape(text or ""), nofollow=True, autoescape=False)
    return _clean(escaped.replace("\n", "<br>"), {"a", "br"})


@register.filter
def customer_html(html: str) -> SafeString:
    """Customer HTML (e-mail): sanitised through an allow-list."""
    return _clean(html or "", _HTML_TAGS)


@register.filter
def due_in(value: datetime | None) -> str:
    """'12 min left', '3 h overdue': how a clock stands now."""
    if value is None:
        return ""
    seconds = int((value - timezone.now()).total_seconds())
    minutes = abs(seconds) // 60
    amount = f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"
    return (
        _("%(amount)s left") % {"amount": amount}
        if seconds >= 0
        else _("%(amount)s overdue") % {"amount": amount}
    )


@register.filter
def waited(value: datetime | None) -> str:
    if value is None:
        return ""
    minutes = max(0, int((timezone.now() - value).total_seconds()) // 60)
    if minutes < 120:
        return _("%(n)s min") % {"n": minutes}
    if minutes < 48 * 60:
        return _("%(n)s h") % {"n": minutes // 60}
    return _("%(n)s d") % {"n": minutes // 1440}

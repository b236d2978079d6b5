"""Rendering customer text safely, and small display helpers."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import nh3
from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from unidesk.sla.models import Priority
from unidesk.tickets.models import Status

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
def inline_image(content_type: str) -> bool:
    """Whether an attachment of this type may be shown in the page (raster images)."""
    from unidesk.channels.email.files import INLINE_TYPES

    return content_type in INLINE_TYPES


_EMAIL_TAGS = _HTML_TAGS | {
    "img", "font", "center", "small", "sub", "sup", "s", "strike", "h5", "h6", "dl", "dt",
    "dd", "caption", "tfoot", "col", "colgroup", "abbr",
}  # fmt: skip
_IMG_SRC = re.compile(r'<img([^>]*?)\ssrc="([^"]*)"([^>]*)>', re.IGNORECASE)
_ALT = re.compile(r'\salt="([^"]*)"')


def email_html(html: str, *, images: dict[str, str], remote: bool) -> tuple[SafeString, int]:
    """A stored e-mail's HTML for the page, and how many remote images were held back.

    Sanitised again on the way out (allow-list, no styles or scripts). Images of the mail
    itself (`cid:`) point at their permission-checked attachment; remote images load only
    when an agent asks (`remote`), since loading one tells the sender the mail was read.
    """
    cleaned = nh3.clean(
        html or "",
        tags=_EMAIL_TAGS,
        attributes={
            "a": {"href", "title"},
            "img": {"src", "alt", "width", "height"},
            "td": {"colspan", "rowspan"},
            "th": {"colspan", "rowspan"},
        },
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values=_LINK_ATTRS,
    )
    blocked = 0

    def image(match: re.Match[str]) -> str:
        nonlocal blocked
        before, src, after = match.groups()
        if src.lower().startswith("cid:"):
            url = images.get(src[4:].strip("<>"))
            if url is None:
                return ""
            return f'<img{before} src="{escape(url)}"{after}>'
        if remote and src.lower().startswith(("http://", "https://")):
            return match.group(0)
        blocked += 1
        alt = _ALT.search(before + after)
        label = alt.group(1) if alt and alt.group(1) else _("image")
        return f'<span class="blocked-image">[{label}]</span>'

    return mark_safe(_IMG_SRC.sub(image, cleaned)), blocked  # sanitised by nh3 above


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


@register.simple_tag
def ticket_rows(tickets: list[Any], tags: dict[int, list[str]], at: datetime) -> SafeString:
    """The inbox rows, built in Python: the hot path of the busiest page.

    Django's template engine costs about 0.4 ms per row of this table, and format_html's
    lazy-string checks most of what is left; every value below goes through html.escape
    (`_e`) or is a number, so the row is as safe and costs a fraction (bench/RESULTS.md).
    """
    url = reverse("workspace:ticket", args=[0]).replace("/0/", "/{}/")
    statuses = {value: _e(label) for value, label in Status.choices}
    priorities = {value: _e(label) for value, label in Priority.choices}
    no_subject = _e(_("(no subject)"))
    rows = []
    for t in tickets:
        pk = int(t.pk)
        names = "".join(f'<span class="tag">{_e(name)}</span>' for name in tags.get(pk, ()))
        subject = _e(Truncator(t.subject).chars(80)) if t.subject else no_subject
        status = _e(t.status)
        rows.append(
            f'<tr><td><input type="checkbox" class="pick" value="{pk}" aria-label="#{pk}"></td>'
            f'<td>{pk}</td><td><a href="{url.format(pk)}">{subject}</a>{names}</td>'
            f"<td>{_e(t.customer.name or t.customer_id)}</td><td>{_e(t.queue.name)}</td>"
            f'<td><span class="status s-{status}">{statuses.get(t.status, status)}</span></td>'
            f"<td>{priorities.get(t.priority, _e(t.priority))}</td><td>{_e(t.channel)}</td>"
            f"<td>{_e(t.assignee.username) if t.assignee else '—'}</td>"
            f'<td class="{"bad" if t.sla_due_at and t.sla_due_at <= at else ""}">'
            f"{_e(due_in(t.sla_due_at))}</td><td>{_e(waited(t.waiting_since))}</td></tr>"
        )
    return mark_safe("".join(rows))  # every value escaped by _e above


def _e(value: object) -> str:
    return html.escape(str(value))


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    """0.8734 -> "87.3%"; None -> "—"."""
    if value is None:
        return "—"
    return f"{100 * float(value):.{int(digits)}f}%"

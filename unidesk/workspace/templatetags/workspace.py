"""Rendering customer text safely, and small display helpers."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import nh3
from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from unidesk.queues.models import Strategy, Urgency
from unidesk.sla.models import Priority
from unidesk.tickets.models import EventKind, Status

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


@register.simple_tag
def queue_rows(stats: list[Any]) -> SafeString:
    """The queues overview's rows, built in Python like `ticket_rows` (one per queue)."""
    url = reverse("workspace:inbox") + "?view=queue&amp;queue="
    strategies = {value: _e(label) for value, label in Strategy.choices}
    urgencies = {value: _e(label) for value, label in Urgency.choices}
    rows = []
    for s in stats:
        q = s.queue
        slug, urgency = _e(q.slug), int(q.urgency)
        rows.append(
            f'<tr class="urgency-{urgency}" data-queue="{slug}">'
            f'<td><a href="{url}{slug}">{_e(q.name)}</a></td>'
            f"<td>{strategies.get(q.strategy) or _e(q.strategy)}</td>"
            f'<td><span class="badge u{urgency}">{urgencies.get(urgency) or urgency}</span></td>'
            f'<td class="num waiting">{int(s.waiting)}</td>'
            f'<td class="num">{_e(waited(s.oldest_waiting_since))}</td>'
            f'<td class="num {"bad" if s.breached else ""}">{int(s.breached)}</td>'
            f'<td class="num {"warn" if s.due_soon else ""}">{int(s.due_soon)}</td></tr>'
        )
    return mark_safe("".join(rows))  # every value escaped by _e above or a number


def _e(value: object) -> str:
    return html.escape(str(value))


def _related(obj: Any, name: str) -> Any:
    """A one-to-one relation loaded by select_related, None when there is none."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _flag(flags: dict[str, Any], key: str) -> str:
    """A flag's value as the template showed it: '' when absent."""
    return _e(flags[key]) if key in flags else ""


_PK = 987654321  # stands for a message's or attachment's id in a reversed URL


class _Timeline:
    """Renders a ticket's timeline; translated strings looked up once per page."""

    def __init__(self, ticket_id: int, csrf_token: Any) -> None:
        self.urls = {
            name: reverse(f"workspace:{name}", args=[ticket_id, _PK]).rpartition(str(_PK))[::2]
            for name in ("original", "retry", "attachment", "message_raw", "message_html")
        }
        self.csrf_token = csrf_token
        self.kinds = {value: _e(label) for value, label in EventKind.choices}
        self.t = {
            key: _e(text)
            for key, text in {
                "chat_visitor": _("Chat visitor"),
                "web_chat": _("web chat"),
                "internal_note": _("internal note"),
                "system": _("System"),
                "masked": _("Insults are masked."),
                "show_original": _("Show the original (logged)"),
                "delivered": _("Delivered to the channel"),
                "not_delivered": _("Not delivered"),
                "retry": _("Retry"),
                "sending": _("Sending…"),
                "edited": _("Edited by the customer; the message before the edit is kept above."),
                "too_large": _("Attachments over the size limit were not stored:"),
                "auto_reply": _("auto-reply"),
                "bounce": _("bounce"),
                "unparseable": _("unparseable"),
                "rate_limited": _("over the sender's rate limit"),
                "unreadable": _(
                    "This e-mail could not be read. Its original is attached; "
                    "open it in a mail program."
                ),
                "quoted": _("Show quoted text"),
                "formatted": _("Show the formatted message"),
                "loading": _("Loading…"),
                "original_eml": _("Original (.eml)"),
                "to": _("to"),
                "cc": _("cc"),
            }.items()
        }

    def url(self, name: str, pk: int) -> str:
        before, after = self.urls[name]
        return _e(f"{before}{int(pk)}{after}")

    def when(self, value: datetime) -> str:
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return (
            f'<time datetime="{_e(value.isoformat())}">'
            f"{_e(date_format(local, 'DATETIME_FORMAT'))}</time>"
        )

    def flags(self, flags: dict[str, Any]) -> str:
        t, out = self.t, []
        if flags.get("auto_reply"):
            out.append(
                f'<span class="badge flag-auto" title="{_flag(flags, "auto_reply_reason")}">'
                f"{t['auto_reply']}</span>"
            )
        if flags.get("bounce"):
            out.append(f'<span class="badge flag-bounce">{t["bounce"]}</span>')
        if flags.get("unparseable"):
            out.append(
                '<span class="badge flag-unparseable" '
                f'title="{_flag(flags, "unparseable_reason")}">{t["unparseable"]}</span>'
            )
        if flags.get("rate_limited"):
            out.append(f'<span class="badge flag-auto">{t["rate_limited"]}</span>')
        return "".join(out)

    def message(self, m: Any) -> str:
        t, pk = self.t, int(m.pk)
        flags = m.flags if isinstance(m.flags, dict) else {}
        email = _related(m, "email")
        out = [f'<li class="msg {_e(m.kind)}" id="m{pk}"><div class="who">']
        if m.kind == "customer":
            if m.sender_address[:5] == "chat:":
                out.append(
                    f"<strong>{_e(m.sender_name or t['chat_visitor'])}</strong> "
                    f'<span class="muted">{t["web_chat"]}</span>'
                )
            else:
                out.append(
                    f"<strong>{_e(m.sender_name or m.sender_address)}</strong> "
                    f'<span class="muted">{_e(m.sender_address)}</span>'
                )
            out.append(" " + self.flags(flags))
            if m.sentiment:
                out.append(f' <span class="badge mood-{_e(m.sentiment)}">{_e(m.sentiment)}</span>')
            signals = m.signals if isinstance(m.signals, dict) else {}
            if signals.get("laughter"):
                out.append(' <span class="badge">😂</span>')
        elif m.author is not None:
            name = m.author.get_full_name() or m.author.username
            out.append(f"<strong>{_e(name)}</strong> ")
            if m.kind == "note":
                out.append(f'<span class="badge note">{t["internal_note"]}</span>')
        else:
            out.append(
                f"<strong>{_e(m.sender_name or t['system'])}</strong> "
                f'<span class="muted">{_e(m.sender_address)}</span> {self.flags(flags)}'
            )
        out.append(f" {self.when(m.created_at)}</div>")
        if m.is_abusive and m.masked_text:
            out.append(
                f'<div class="body masked" id="body-{pk}">{customer_text(m.masked_text)}'
                f'<p class="muted small">{t["masked"]} <button class="link" '
                f'hx-get="{self.url("original", pk)}" hx-target="#body-{pk}" '
                f'hx-swap="innerHTML">{t["show_original"]}</button></p></div>'
            )
        elif m.html and email is None:
            out.append(f'<div class="body">{customer_html(m.html)}</div>')
        else:
            out.append(f'<div class="body">{customer_text(m.text)}</div>')
        if email is not None:
            out.append(self.email_extras(m, flags, email))
        delivery = _related(m, "delivery") if m.kind == "reply" else None
        if delivery is not None:
            out.append(self.delivery(m, delivery))
        if flags.get("edited"):
            out.append(f'<p class="muted small">{t["edited"]}</p>')
        files = list(m.attachments.all())
        if files:
            out.append('<ul class="files">')
            for a in files:
                url = self.url("attachment", a.pk)
                name = _e(a.filename)
                out.append("<li>")
                if inline_image(a.content_type):
                    out.append(
                        f'<a href="{url}?inline=1" target="_blank" rel="noopener">'
                        f'<img class="thumb" src="{url}?inline=1" alt="{name}" loading="lazy"></a> '
                    )
                out.append(
                    f'<a href="{url}" download>{name}</a> <span class="muted">'
                    f"({_e(a.content_type)}, {_e(filesizeformat(a.size))})</span></li>"
                )
            out.append("</ul>")
        too_large = flags.get("attachments_too_large")
        if too_large:
            listed = ", ".join(
                f"{_e(f.get('filename', ''))} ({_e(filesizeformat(f.get('size', '')))})"
                for f in too_large
            )
            out.append(f'<p class="muted small">{t["too_large"]} {listed}</p>')
        out.append("</li>")
        return "".join(out)

    def email_extras(self, m: Any, flags: dict[str, Any], email: Any) -> str:
        t, pk = self.t, int(m.pk)
        out = ['<div class="email-extras small">']
        if flags.get("unparseable"):
            out.append(f'<p class="bad">{t["unreadable"]}</p>')
        if email.quoted_text or email.signature:
            signature = (
                f'<pre class="signature">{_e(email.signature)}</pre>' if email.signature else ""
            )
            quoted = f"<pre>{_e(email.quoted_text)}</pre>" if email.quoted_text else ""
            out.append(
                f'<details class="quoted"><summary>{t["quoted"]}</summary>'
                f"{signature}{quoted}</details>"
            )
        if m.html:
            out.append(
                f'<details class="formatted" hx-get="{self.url("message_html", pk)}" '
                f'hx-trigger="toggle once" hx-target="find .html-body"><summary>'
                f'{t["formatted"]}</summary><div class="html-body muted">{t["loading"]}</div>'
                "</details>"
            )
        if email.raw:
            out.append(f'<a href="{self.url("message_raw", pk)}" download>{t["original_eml"]}</a>')
        if email.to:
            cc = f", {t['cc']} {_e(email.cc)}" if email.cc else ""
            out.append(f'<span class="muted">{t["to"]} {_e(email.to)}{cc}</span>')
        return " ".join(out) + "</div>"

    def delivery(self, m: Any, d: Any) -> str:
        t, error = self.t, _e(d.last_error)
        out = [f'<p class="delivery small delivery-{_e(d.status)}" title="{error}">']
        if d.status == "sent":
            out.append(t["delivered"])
        elif d.status == "failed":
            token = str(self.csrf_token) if self.csrf_token else ""
            csrf = (
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">'
                if token and token != "NOTPROVIDED"
                else ""
            )
            out.append(
                f'{t["not_delivered"]}: {error} <form method="post" '
                f'action="{self.url("retry", m.pk)}" class="inline">'
                f'{csrf}<button class="link">{t["retry"]}</button></form>'
            )
        elif d.attempts:
            n = int(d.attempts)
            text = ngettext(
                "Sending failed once, retrying", "Sending failed %(n)s times, retrying", n
            ) % {"n": n}
            out.append(f"{_e(text)}: {error}")
        else:
            out.append(t["sending"])
        out.append("</p>")
        return "".join(out)

    def event(self, e: Any) -> str:
        data = e.data if isinstance(e.data, dict) else {}
        text = [self.kinds.get(e.kind) or _e(e.kind)]
        for key in ("queue", "assignee", "status"):
            if data.get(key):
                text.append(f": {_e(data[key])}")
        if data.get("clock"):
            text.append(f" ({_e(data['clock'])})")
        if data.get("error"):
            text.append(f": {_e(data['error'])}")
        actor = f' <span class="muted">{_e(e.actor.username)}</span>' if e.actor else ""
        return (
            f'<li class="event ev-{_e(e.kind)}"><span>{"".join(text)}</span>{actor} '
            f"{self.when(e.created_at)}</li>"
        )


@register.simple_tag(takes_context=True)
def timeline(context: Any, items: list[tuple[str, Any]]) -> SafeString:
    """A ticket's messages and events, built in Python like the inbox rows (`ticket_rows`).

    The template engine spent about half of the ticket page on this loop. Customer text
    goes through `customer_text`/`customer_html` (nh3), every other value through
    html.escape (`_e`), numbers are ints.
    """
    if not items:
        return mark_safe('<ol class="timeline"></ol>')
    first = items[0][1]
    ticket_id = first.ticket_id
    render = _Timeline(int(ticket_id), context.get("csrf_token"))
    rows = [
        render.message(item) if kind == "message" else render.event(item) for kind, item in items
    ]
    out = '<ol class="timeline">' + "".join(rows) + "</ol>"
    return mark_safe(out)  # escaped above


@register.simple_tag
def options(choices: Any, selected: object) -> SafeString:
    """<option>s of a select list from (value, label) pairs, `selected` chosen.

    Django's widgets render each option through a template of its own; a ticket page has
    about eighty options.
    """
    chosen = "" if selected is None else str(selected)
    out = []
    for value, label in choices:
        value = "" if value is None else str(value)
        mark = " selected" if value == chosen and value != "" else ""
        out.append(f'<option value="{_e(value)}"{mark}>{_e(label)}</option>')
    return mark_safe("".join(out))  # escaped above


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    """0.8734 -> "87.3%"; None -> "—"."""
    if value is None:
        return "—"
    return f"{100 * float(value):.{int(digits)}f}%"

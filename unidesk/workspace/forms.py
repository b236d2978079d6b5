"""Forms of the workspace: they parse and validate; services do the work."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from unidesk.accounts.models import User
from unidesk.queues.models import Queue
from unidesk.queues.selectors import all_queues
from unidesk.sla.models import Priority
from unidesk.tickets.models import Status

CHANNELS = [("email", "E-mail"), ("chat", _("Chat")), ("telegram", "Telegram"), ("api", "API"),
            ("phone", _("Phone"))]  # fmt: skip


class InboxFilters(forms.Form):
    VIEWS = [("queue", _("Queue")), ("mine", _("Mine")), ("all", _("All open"))]
    view = forms.ChoiceField(choices=VIEWS, required=False)
    queue = forms.SlugField(required=False)
    STATUSES = [("", _("Any status")), *Status.choices]
    ANY_CHANNEL = [("", _("Any channel")), *CHANNELS]
    status = forms.ChoiceField(choices=STATUSES, required=False)
    channel = forms.ChoiceField(choices=ANY_CHANNEL, required=False)
    language = forms.CharField(max_length=16, required=False)
    tag = forms.CharField(max_length=64, required=False)
    breached = forms.BooleanField(required=False)
    q = forms.CharField(max_length=200, required=False, label=_("Search"))
    page = forms.IntegerField(min_value=1, max_value=1000, required=False)

    def clean_queue(self) -> Queue | None:
        """The queue of that slug, from the configuration cache (no query per page)."""
        slug = self.cleaned_data.get("queue")
        if not slug:
            return None
        queue = next((q for q in all_queues() if q.slug == slug), None)
        if queue is None:
            raise forms.ValidationError(_("There is no queue %(slug)s.") % {"slug": slug})
        return queue


REPLY_STATUSES = [("", _("Status: default")), *Status.choices]


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000)
    internal = forms.BooleanField(required=False, label=_("Internal note"))
    status = forms.ChoiceField(choices=REPLY_STATUSES, required=False, label=_("Then set"))


class TicketForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int)
    queue = forms.ModelChoiceField(Queue.objects.all())
    assignee = forms.ModelChoiceField(User.objects.filter(is_active=True), required=False)
    tags = forms.CharField(max_length=500, required=False, help_text=_("Comma-separated."))

    def tag_list(self) -> list[str]:
        return [t for t in (p.strip() for p in self.cleaned_data["tags"].split(",")) if t]


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign", _("Assign to")),
        ("tag", _("Add tag")),
        ("status", _("Set status")),
        ("queue", _("Move to queue")),
    ]
    ids = forms.CharField()
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.ModelChoiceField(User.objects.filter(is_active=True), required=False)
    tag = forms.CharField(max_length=64, required=False)
    STATUSES = [("", _("status…")), *Status.choices]
    status = forms.ChoiceField(choices=STATUSES, required=False)
    queue = forms.ModelChoiceField(Queue.objects.all(), required=False)

    def clean_ids(self) -> list[int]:
        try:
            ids = [int(x) for x in self.cleaned_data["ids"].split(",") if x.strip()]
        except ValueError:
            raise forms.ValidationError(_("Pick tickets from the list.")) from None
        if not ids or len(ids) > 500:
            raise forms.ValidationError(_("Pick between 1 and 500 tickets."))
        return ids

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        needed = {"assign": "assignee", "tag": "tag", "status": "status", "queue": "queue"}
        field = needed.get(str(data.get("action")))
        if field and not data.get(field):
            self.add_error(field, _("Choose a value for this action."))
        return data


class MergeForm(forms.Form):
    into = forms.IntegerField(min_value=1, label=_("Merge into customer number"))


class PreferencesForm(forms.Form):
    ui_language = forms.ChoiceField(choices=settings.LANGUAGES, label=_("Interface language"))
    time_zone = forms.CharField(max_length=64, label=_("Time zone"))

    def clean_time_zone(self) -> str:
        value: str = self.cleaned_data["time_zone"].strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(_("Not a known time zone, e.g. Europe/Moscow.")) from None
        return value

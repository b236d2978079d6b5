"""Workspace pages: parse the request, call a service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from unidesk.accounts.models import User
from unidesk.channels.chat import selectors as chat
from unidesk.channels.email import files
from unidesk.core.errors import DomainError, NotFound, PermissionDenied
from unidesk.core.time import now
from unidesk.customers.models import Customer
from unidesk.customers.services import merge_customers
from unidesk.outbox.models import Delivery
from unidesk.outbox.services import retry_delivery
from unidesk.queues import engine
from unidesk.queues.models import Queue
from unidesk.queues.selectors import (
    active_users,
    assignable_agents,
    list_queue_stats,
    list_visible_queues,
    queue_choices,
)
from unidesk.sla.models import Priority
from unidesk.tickets import selectors, services
from unidesk.tickets.models import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    Attachment,
    EventKind,
    Status,
    Ticket,
)
from unidesk.triage import desk
from unidesk.triage.models import TopicModel
from unidesk.workspace import forms
from unidesk.workspace.templatetags.workspace import email_html

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)
PAGE_SIZE = 50
# The inbox is the busiest page: load only what its rows show (bench/RESULTS.md).
INBOX_COLUMNS = (
    "subject", "channel", "status", "priority", "sla_due_at", "waiting_since",
    "customer__name", "queue__name", "assignee__username",
)  # fmt: skip
# Events shown as their own line; messages carry the rest.
TIMELINE_EVENTS = {
    EventKind.ROUTED, EventKind.ASSIGNED, EventKind.STATUS, EventKind.PRIORITY, EventKind.QUEUE,
    EventKind.TAGS, EventKind.REOPENED, EventKind.SLA_BREACHED, EventKind.SLA_PAUSED,
    EventKind.SLA_RESUMED, EventKind.DELIVERY_FAILED, EventKind.DELIVERY_RETRIED,
}  # fmt: skip


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def agent_view(
    view: Callable[Concatenate[HttpRequest, User, P], R],
) -> Callable[Concatenate[HttpRequest, P], R]:
    """Login required; domain refusals become 403/404 pages, never half-done work."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
        user = request.user
        assert isinstance(user, User)
        try:
            return view(request, user, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise Forbidden(exc.message) from exc

    return cast("Callable[Concatenate[HttpRequest, P], R]", wrapper)


# --- queues and next ticket ------------------------------------------------------------


@agent_view
def queues(request: HttpRequest, user: User) -> HttpResponse:
    stats = list_queue_stats(user, at=now())
    template = "workspace/_queues.html" if _is_htmx(request) else "workspace/queues.html"
    return render(request, template, {"stats": stats, "nav": "queues"})


@require_POST
@agent_view
def next_ticket(request: HttpRequest, user: User) -> HttpResponse:
    ticket = engine.claim_next_ticket(user)
    if ticket is None and engine.count_live_conversations(user) >= user.capacity:
        messages.info(
            request,
            _(
                "You hold %(n)d chats, your limit: solve one to take the next chat. "
                "Nothing else is waiting."
            )
            % {"n": user.capacity},
        )
        return redirect("workspace:queues")
    if ticket is None:
        messages.info(request, _("Nothing is waiting in your queues. Well done."))
        return redirect("workspace:queues")
    return redirect("workspace:ticket", ticket.pk)


# --- inbox ---------------------------------------------------------------------------------


def _inbox_queryset(
    user: User, filters: forms.InboxFilters, visible: list[Queue]
) -> tuple[QuerySet[Ticket], str]:
    data = filters.cleaned_data if filters.is_valid() else {}
    view = data.get("view") or ("queue" if data.get("queue") else "mine")
    qs = selectors.list_tickets(user)
    title = _("My tickets")
    queue: Queue | None = data.get("queue")
    if queue is not None and view == "queue":
        if not user.sees_all_queues and queue not in visible:
            raise PermissionDenied(_("You are not skilled for this queue."))
        # Waiting tickets in the queue's own order, as "next ticket" serves them.
        qs = (
            engine.head_queryset(queue, at=now())
            .select_related("queue", "customer", "assignee")
            .prefetch_related("tags")
        )
        title = queue.name
    elif view == "all":
        if not user.sees_all_queues:
            raise PermissionDenied(_("Only leads see all open tickets."))
        qs = qs.filter(status__in=ACTIVE_STATUSES).order_by("-created_at")
        title = _("All open")
    else:
        qs = qs.filter(assignee=user).exclude(status__in=DONE_STATUSES).order_by("-updated_at")
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("channel"):
        qs = qs.filter(channel=data["channel"])
    if data.get("language"):
        qs = qs.filter(language=data["language"])
    if data.get("tag"):
        qs = qs.filter(tags__name=data["tag"].strip().lower())
    if data.get("breached"):
        qs = qs.filter(
            Q(sla_breached_at__isnull=False) | Q(sla_due_at__lte=now(), sla_paused_at__isnull=True)
        )
    if data.get("q"):
        qs = _search(qs, data["q"])
    return qs, title


def _search(qs: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    query = query.strip()
    if query.lstrip("#").isdigit():
        return qs.filter(pk=int(query.lstrip("#")))
    return qs.filter(
        Q(subject__icontains=query)
        | Q(customer__name__icontains=query)
        | Q(customer__identities__value__icontains=query.lower())
        | Q(messages__text__icontains=query)
    ).distinct()


@agent_view
def inbox(request: HttpRequest, user: User) -> HttpResponse:
    filters = forms.InboxFilters(request.GET)
    visible = list_visible_queues(user)
    qs, title = _inbox_queryset(user, filters, visible)
    page = (filters.cleaned_data.get("page") if filters.is_valid() else None) or 1
    rows = list(
        qs.select_related(None)
        .prefetch_related(None)
        .select_related("customer", "queue", "assignee")
        .only(*INBOX_COLUMNS)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1]
    )
    view = (filters.cleaned_data.get("view") if filters.is_valid() else "") or "mine"
    context = {
        "filters": filters,
        "title": title,
        "tickets": rows[:PAGE_SIZE],
        "tags": selectors.tag_names(rows[:PAGE_SIZE]),
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        # Select lists as (value, label) pairs, rendered by one tag (see the ticket page).
        "queue_slugs": [(q.slug, q.name) for q in visible],
        "queue_ids": [(q.pk, q.name) for q in visible],
        "agents": active_users(),
        "statuses": forms.InboxFilters.STATUSES,
        "channels": forms.InboxFilters.ANY_CHANNEL,
        "bulk_actions": forms.BulkForm.ACTIONS,
        "bulk_statuses": forms.BulkForm.STATUSES,
        "nav": {"queue": "queues", "all": "all"}.get(view, "mine"),
        "query": request.GET.urlencode(),
        "at": now(),
    }
    template = "workspace/_inbox_rows.html" if _is_htmx(request) else "workspace/inbox.html"
    return render(request, template, context)


@require_POST
@agent_view
def inbox_bulk(request: HttpRequest, user: User) -> HttpResponse:
    form = forms.BulkForm(request.POST)
    back = request.POST.get("next") or reverse("workspace:inbox")
    if not back.startswith("/"):
        back = reverse("workspace:inbox")
    if not form.is_valid():
        messages.error(request, _("Nothing changed: %(errors)s") % {"errors": _errors(form)})
        return redirect(back)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            for ticket_id in data["ids"]:
                ticket = selectors.access_ticket(user, ticket_id, for_update=True)
                services.update_ticket(ticket, _bulk_changes(ticket, data), by=user)
    except DomainError as exc:
        messages.error(request, _("Nothing changed: %(error)s") % {"error": exc.message})
        return redirect(back)
    messages.success(request, _("Updated %(n)d tickets.") % {"n": len(data["ids"])})
    return redirect(back)


def _bulk_changes(ticket: Ticket, data: dict[str, Any]) -> services.TicketChanges:
    action = data["action"]
    if action == "assign":
        return services.TicketChanges(assignee=data["assignee"])
    if action == "tag":
        current = [t.name for t in ticket.tags.all()]
        return services.TicketChanges(tags=[*current, data["tag"]])
    if action == "status":
        return services.TicketChanges(status=data["status"])
    return services.TicketChanges(queue=data["queue"])


def _errors(form: Any) -> str:
    return "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())


# --- ticket page -------------------------------------------------------------------------


def _timeline(ticket: Ticket) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = [("message", m) for m in selectors.list_messages(ticket)]
    items += [
        ("event", e) for e in ticket.events.select_related("actor").filter(kind__in=TIMELINE_EVENTS)
    ]
    items.sort(key=lambda item: (item[1].created_at, item[0] == "message", item[1].pk))
    return items


def _assignee_choices(ticket: Ticket) -> list[tuple[int, str]]:
    """Who the ticket may be given to. The current assignee stays in the list even when no
    longer skilled for the queue: saving the form must not unassign the ticket silently."""
    agents = assignable_agents(ticket.queue_id)
    if ticket.assignee is not None and all(pk != ticket.assignee.pk for pk, _n in agents):
        agents.append((ticket.assignee.pk, ticket.assignee.username))
        agents.sort(key=lambda agent: agent[1])
    return agents


@agent_view
def ticket(request: HttpRequest, user: User, ticket_id: int) -> HttpResponse:
    ticket = selectors.access_ticket(user, ticket_id)
    if _is_htmx(request) and request.GET.get("part") == "timeline":
        return render(request, "workspace/_timeline.html", {"timeline": _timeline(ticket)})
    if _is_htmx(request) and request.GET.get("part") == "visitor":
        return render(request, "workspace/_visitor.html", {"visitor": chat.get_visitor(ticket)})
    context = {
        "ticket": ticket,
        "topic": getattr(ticket, "topic", None),  # joined by access_ticket; None without
        "visitor": chat.get_visitor(ticket) if ticket.channel == "chat" else None,
        "timeline": _timeline(ticket),
        "identities": list(ticket.customer.identities.all()),
        "other_tickets": list(
            selectors.list_tickets(user)
            .select_related(None)
            .prefetch_related(None)
            .filter(customer=ticket.customer)
            .exclude(pk=ticket.pk)
            .order_by("-created_at")
            .only("subject", "status", "channel")[:10]
        ),
        # The side form's select lists, as (value, label) pairs: no model objects, no
        # widget templates (bench/RESULTS.md).
        "reply_statuses": forms.REPLY_STATUSES,
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "tags": ", ".join(ticket.tags.order_by("name").values_list("name", flat=True)),
        "queues": queue_choices(),
        "agents": _assignee_choices(ticket),
        "at": now(),
        "nav": "ticket",
    }
    return render(request, "workspace/ticket.html", context)


@require_POST
@agent_view
def ticket_reply(request: HttpRequest, user: User, ticket_id: int) -> HttpResponse:
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing sent: %(errors)s") % {"errors": _errors(form)})
        return redirect("workspace:ticket", ticket_id)
    with transaction.atomic():
        ticket = selectors.access_ticket(user, ticket_id, for_update=True)
        try:
            services.reply_to_ticket(
                ticket,
                by=user,
                text=form.cleaned_data["text"],
                internal=form.cleaned_data["internal"],
                status=form.cleaned_data["status"] or None,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("workspace:ticket", ticket_id)
    note = form.cleaned_data["internal"]
    messages.success(request, _("Note added.") if note else _("Reply sent."))
    return redirect("workspace:ticket", ticket_id)


@require_POST
@agent_view
def ticket_update(request: HttpRequest, user: User, ticket_id: int) -> HttpResponse:
    form = forms.TicketForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing changed: %(errors)s") % {"errors": _errors(form)})
        return redirect("workspace:ticket", ticket_id)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            ticket = selectors.access_ticket(user, ticket_id, for_update=True)
            services.update_ticket(
                ticket,
                services.TicketChanges(
                    status=data["status"],
                    priority=data["priority"],
                    queue=data["queue"],
                    assignee=data["assignee"],
                    unassign=data["assignee"] is None,
                    tags=form.tag_list(),
                ),
                by=user,
            )
    except DomainError as exc:
        messages.error(request, _("Nothing changed: %(error)s") % {"error": exc.message})
        return redirect("workspace:ticket", ticket_id)
    messages.success(request, _("Ticket updated."))
    if not selectors.can_work(user, Ticket.objects.select_related("queue").get(pk=ticket_id)):
        return redirect("workspace:queues")  # moved out of the agent's queues
    return redirect("workspace:ticket", ticket_id)


@agent_view
def message_original(
    request: HttpRequest, user: User, ticket_id: int, message_id: int
) -> HttpResponse:
    """The unmasked text of an abusive message; every look is written to the timeline."""
    ticket = selectors.access_ticket(user, ticket_id)
    message = ticket.messages.filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."))
    services.record_event(
        ticket, EventKind.ORIGINAL_SHOWN, at=now(), by=user, message_id=message.pk
    )
    return render(request, "workspace/_original.html", {"message": message})


@agent_view
def attachment(
    request: HttpRequest, user: User, ticket_id: int, attachment_id: int
) -> HttpResponseBase:
    """A stored attachment; raster images may be shown in the page (`?inline=1`)."""
    ticket = selectors.access_ticket(user, ticket_id)
    found = (
        Attachment.objects.filter(pk=attachment_id, message__ticket=ticket)
        .select_related("message")
        .first()
    )
    if found is None:
        raise NotFound(_("No such attachment."))
    return files.attachment_response(found, inline=request.GET.get("inline") == "1")


@agent_view
def message_raw(
    request: HttpRequest, user: User, ticket_id: int, message_id: int
) -> HttpResponseBase:
    """The original e-mail (.eml), byte for byte as it arrived or left."""
    ticket = selectors.access_ticket(user, ticket_id)
    message = ticket.messages.select_related("email").filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."))
    return files.original_response(message)


@agent_view
def message_html(request: HttpRequest, user: User, ticket_id: int, message_id: int) -> HttpResponse:
    """The formatted (HTML) version of an e-mail, sanitised, remote images held back."""
    ticket = selectors.access_ticket(user, ticket_id)
    message = (
        ticket.messages.select_related("email")
        .prefetch_related("attachments")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise NotFound(_("No such message."))
    inline = getattr(getattr(message, "email", None), "inline", None) or {}
    by_name = {a.filename: a.pk for a in message.attachments.all()}
    images = {
        cid: reverse("workspace:attachment", args=[ticket.pk, by_name[name]]) + "?inline=1"
        for cid, name in inline.items()
        if name in by_name
    }
    html, blocked = email_html(message.html, images=images, remote=request.GET.get("remote") == "1")
    return render(
        request,
        "workspace/_message_html.html",
        {"message": message, "html": html, "blocked": blocked},
    )


@require_POST
@agent_view
def delivery_retry(
    request: HttpRequest, user: User, ticket_id: int, message_id: int
) -> HttpResponse:
    """Queue a failed reply for delivery again."""
    ticket = selectors.access_ticket(user, ticket_id)
    delivery = Delivery.objects.filter(message__ticket=ticket, message_id=message_id).first()
    if delivery is None:
        raise NotFound(_("No such delivery."))
    try:
        retry_delivery(delivery, by=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The reply is queued for delivery again."))
    return redirect("workspace:ticket", ticket_id)


@agent_view
def abuse_report(request: HttpRequest, user: User) -> HttpResponse:
    """Leads: customers who repeatedly abuse agents, most messages first."""
    if not user.sees_all_queues:
        raise PermissionDenied(_("Only leads see this report."))
    since = now() - timedelta(days=90)
    rows = (
        Customer.objects.filter(
            tickets__messages__is_abusive=True, tickets__messages__created_at__gte=since
        )
        .annotate(
            abusive=Count("tickets__messages", distinct=True),
            last=Max("tickets__messages__created_at"),
        )
        .order_by("-abusive", "-last")[:100]
    )
    return render(request, "workspace/abuse.html", {"rows": rows, "nav": "abuse"})


# --- topic routing model (leads) -------------------------------------------------------


def _require_lead(user: User) -> None:
    if not user.sees_all_queues:
        raise PermissionDenied(_("Only leads and admins manage the routing model."))


@agent_view
def topic_models(request: HttpRequest, user: User) -> HttpResponse:
    """Leads: every trained version of the routing model, which one routes, train now."""
    _require_lead(user)
    context = {
        "models": desk.latest_models(),
        "active": TopicModel.objects.filter(is_active=True).defer("blob").first(),
        "pending": TopicModel.objects.filter(status__in=["queued", "training"]).exists(),
        "nav": "routing",
    }
    return render(request, "workspace/topic_models.html", context)


def _topic_model(version: int) -> TopicModel:
    model = (
        TopicModel.objects.select_related("trained_by")
        .defer("blob")
        .filter(version=version)
        .first()
    )
    if model is None:
        raise NotFound(_("No such model version."))
    return model


@agent_view
def topic_model(request: HttpRequest, user: User, version: int) -> HttpResponse:
    """Leads: the quality report of one version (per-queue recall, confusion)."""
    _require_lead(user)
    model = _topic_model(version)
    context = {"model": model, "report": desk.report_rows(model), "nav": "routing"}
    return render(request, "workspace/topic_model.html", context)


@require_POST
@agent_view
def topic_model_train(request: HttpRequest, user: User) -> HttpResponse:
    _require_lead(user)
    row = desk.request_training(by=user)
    messages.success(
        request,
        _("Training v%(version)d is queued; the worker starts it within a minute.")
        % {"version": row.version},
    )
    return redirect("workspace:topic_models")


@require_POST
@agent_view
def topic_model_activate(request: HttpRequest, user: User, version: int) -> HttpResponse:
    _require_lead(user)
    model = _topic_model(version)
    try:
        desk.activate_model(model)
    except DomainError as exc:
        messages.error(request, _("Nothing changed: %(error)s") % {"error": exc.message})
        return redirect("workspace:topic_models")
    messages.success(
        request, _("Version %(version)d now routes new tickets.") % {"version": version}
    )
    return redirect("workspace:topic_models")


@require_POST
@agent_view
def topic_model_deactivate(request: HttpRequest, user: User) -> HttpResponse:
    _require_lead(user)
    desk.deactivate_models()
    messages.success(request, _("Model routing is off: rules and the default queue route."))
    return redirect("workspace:topic_models")


# --- customers ---------------------------------------------------------------------------


def _access_customer(user: User, customer_id: int) -> tuple[Customer, list[Ticket]]:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No such customer."))
    tickets = list(selectors.list_tickets(user).filter(customer=customer).order_by("-created_at"))
    if not user.sees_all_queues and not tickets:
        raise PermissionDenied(_("None of this customer's tickets is in your queues."))
    return customer, tickets


@agent_view
def customer(request: HttpRequest, user: User, customer_id: int) -> HttpResponse:
    customer, tickets = _access_customer(user, customer_id)
    if customer.merged_into_id:
        return redirect("workspace:customer", customer.merged_into_id)
    context = {
        "customer": customer,
        "tickets": tickets,
        "identities": list(customer.identities.all()),
        "merge_form": forms.MergeForm(),
        "nav": "customer",
    }
    return render(request, "workspace/customer.html", context)


@require_POST
@agent_view
def customer_merge(request: HttpRequest, user: User, customer_id: int) -> HttpResponse:
    source, _tickets = _access_customer(user, customer_id)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing merged: %(errors)s") % {"errors": _errors(form)})
        return redirect("workspace:customer", customer_id)
    target, _tickets = _access_customer(user, form.cleaned_data["into"])
    try:
        merged = merge_customers(source, into=target)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workspace:customer", customer_id)
    messages.success(request, _("Customers merged."))
    return redirect("workspace:customer", merged.pk)


# --- preferences -------------------------------------------------------------------------


@agent_view
def preferences(request: HttpRequest, user: User) -> HttpResponse:
    form = forms.PreferencesForm(
        request.POST or None, initial={"ui_language": user.ui_language, "time_zone": user.time_zone}
    )
    if request.method == "POST" and form.is_valid():
        user.ui_language = form.cleaned_data["ui_language"]
        user.time_zone = form.cleaned_data["time_zone"]
        user.save(update_fields=["ui_language", "time_zone"])
        return redirect("workspace:queues")
    return render(request, "workspace/preferences.html", {"form": form, "nav": "preferences"})

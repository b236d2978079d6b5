"""Tickets, their messages and attachments, tags, and the timeline of events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from unidesk.sla.models import Priority

if TYPE_CHECKING:
    from unidesk.accounts.models import User


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending (waiting for customer)")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


#: Statuses in which a ticket needs an agent; unassigned ones in these wait in their queue.
ACTIVE_STATUSES = (Status.NEW, Status.OPEN)
#: Statuses in which SLA clocks are stopped.
PAUSED_STATUSES = (Status.PENDING,)
DONE_STATUSES = (Status.SOLVED, Status.CLOSED)

#: A ticket waits in its queue while it needs an agent and has none. The database keeps
#: this as the generated column `waiting_flag`, which leads every queue-engine index: an
#: equality on it works with bound parameters on SQLite, where a partial index would not.
WAITING = Q(status__in=[Status.NEW, Status.OPEN], assignee__isnull=True)
#: Channels whose conversations are live: each one an agent holds counts against capacity.
LIVE_CHANNELS = ("chat",)
#: Statuses in which an assigned live conversation still occupies the agent.
HOLDING_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet["Ticket"]):
    def waiting(self) -> TicketQuerySet:
        return self.filter(waiting_flag=1)

    def visible_to(self, user: User) -> TicketQuerySet:
        """Leads and admins see everything; agents their queues and their own tickets."""
        if user.sees_all_queues:
            return self
        return self.filter(Q(queue__in=user.skills.values("pk")) | Q(assignee=user))


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    channel = models.CharField(_("channel"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    queue = models.ForeignKey(
        "queues.Queue", verbose_name=_("queue"), on_delete=models.PROTECT, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    sentiment = models.CharField(
        _("sentiment"), max_length=10, blank=True, help_text=_("Of the latest customer message.")
    )
    urgency = models.CharField(_("urgency"), max_length=10, blank=True)
    has_abuse = models.BooleanField(_("abusive messages"), default=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    channel_weight = models.PositiveSmallIntegerField(_("channel weight"), default=1)
    # 1 while the ticket waits in its queue, else 0. An integer, not a boolean: SQLite's
    # planner seeks an index on `waiting_flag = ?` but not on a bare boolean column.
    waiting_flag = models.GeneratedField(
        expression=models.Case(
            models.When(WAITING, then=models.Value(1)),
            default=models.Value(0),
            output_field=models.SmallIntegerField(),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
        verbose_name=_("waiting in queue"),
    )

    created_at = models.DateTimeField(_("created"), db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    waiting_since = models.DateTimeField(
        _("waiting since"),
        null=True,
        blank=True,
        help_text=_("The first unanswered customer message."),
    )
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_due_at = models.DateTimeField(
        _("next SLA deadline"), null=True, blank=True, help_text=_("The earliest running clock.")
    )
    sla_paused_at = models.DateTimeField(_("SLA paused at"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("SLA breached at"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # One index per queue ordering (see queues.engine): a queue's head is one seek.
            models.Index(
                fields=["queue", "waiting_flag", "-priority", "-channel_weight", "waiting_since"],
                name="ticket_wait_fifo",
            ),
            models.Index(
                fields=["queue", "waiting_flag", "-priority", "-channel_weight", "-waiting_since"],
                name="ticket_wait_lifo",
            ),
            models.Index(
                fields=["queue", "waiting_flag", "-priority", "-channel_weight", "sla_due_at"],
                name="ticket_wait_sla",
            ),
            # Hybrid's over-cap seek, and covering for the queues overview's counts.
            models.Index(
                fields=["queue", "waiting_flag", "waiting_since", "sla_due_at"],
                name="ticket_wait_age",
            ),
            # The queues overview counts ranges of this one: no deadline, breached, not yet
            # due, due within the hour (queues.selectors.list_queue_stats).
            models.Index(fields=["queue", "waiting_flag", "sla_due_at"], name="ticket_wait_due"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            # The chats an agent holds, counted when "next ticket" offers a chat: a seek
            # over those few rows, not over every ticket the agent ever solved (PostgreSQL;
            # SQLite binds the values as parameters and uses ticket_assignee_status).
            models.Index(
                fields=["assignee"],
                condition=Q(channel__in=LIVE_CHANNELS, status__in=HOLDING_STATUSES),
                name="ticket_live_held",
            ),
            models.Index(fields=["queue", "status"], name="ticket_queue_status"),
            models.Index(fields=["customer", "status"], name="ticket_customer_status"),
            models.Index(
                fields=["sla_due_at"],
                condition=Q(sla_breached_at__isnull=True, sla_paused_at__isnull=True)
                & ~Q(status__in=[Status.SOLVED, Status.CLOSED]),
                name="ticket_sla_running",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES

    def is_breached(self, at: datetime) -> bool:
        """A clock ran out: marked by the sweep, or due and not yet swept."""
        if self.sla_breached_at is not None:
            return True
        return (
            self.sla_due_at is not None
            and self.sla_paused_at is None
            and not self.is_done
            and self.sla_due_at <= at
        )


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer message")
    REPLY = "reply", _("Agent reply")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=20)
    external_id = models.CharField(_("external id"), max_length=500, null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    sender_address = models.CharField(_("sender address"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True, help_text=_("PII is redacted before storage."))
    html = models.TextField(_("sanitised HTML"), blank=True)
    masked_text = models.TextField(
        _("text with insults masked"), blank=True, help_text=_("Shown to agents instead of text.")
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=10, blank=True)
    is_abusive = models.BooleanField(_("abusive"), default=False)
    signals = models.JSONField(_("triage signals"), default=dict, blank=True)
    pii = models.JSONField(_("PII found"), default=list, blank=True)
    flags = models.JSONField(_("flags"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    MESSAGE = "message", _("Customer wrote")
    REPLIED = "replied", _("Agent replied")
    NOTE = "note", _("Internal note")
    ROUTED = "routed", _("Routed")
    ASSIGNED = "assigned", _("Assigned")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    QUEUE = "queue", _("Moved to another queue")
    TAGS = "tags", _("Tags changed")
    REOPENED = "reopened", _("Reopened by the customer")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SLA_PAUSED = "sla_paused", _("SLA clocks paused")
    SLA_RESUMED = "sla_resumed", _("SLA clocks resumed")
    ORIGINAL_SHOWN = "original_shown", _("Original of a masked message shown")
    DELIVERY_FAILED = "delivery_failed", _("Reply not delivered")
    DELIVERY_RETRIED = "delivery_retried", _("Delivery retried")


class Event(models.Model):
    """One line of a ticket's timeline. Written by services only, never edited."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}"

"""Topic routing learned from the desk's own history: training, versions, use at intake.

**What it learns from.** Solved and closed tickets of the last ``UNIDESK_TRIAGE_HISTORY_DAYS``
whose queue an agent confirmed: the ticket was moved to another queue by an agent (the
correction signal) or an agent answered it in the queue it ended in. The label is the
ticket's *final* queue; the text is its first customer message (subject and body, already
redacted at intake), which is all a model sees when a new ticket arrives. Tickets closed
without any agent answer and never moved (spam, auto-closed) teach nothing and are left out.
Queues with fewer than ``UNIDESK_TRIAGE_MIN_PER_QUEUE`` such tickets are left out too.

**How it is checked.** The most recent 20% of those tickets are held out: a model is fitted
on the older 80% and scored on them (accuracy, per-queue recall and precision, confusion).
The confidence threshold is the lowest at which the model's answers on the held-out tickets
were right at least ``UNIDESK_TRIAGE_TARGET_PRECISION`` percent of the time. The stored
model is then refitted on all of them.

**When it routes.** A new ticket goes, in this order, to (see ``queues.routing.route``):
the first matching routing rule that has a condition (keywords, regex, channels, tiers);
else the model's queue when its confidence reaches the threshold; else the first matching
rule without conditions; else the default queue. The model's guess is stored on the ticket
(``TicketTopic``) either way, so agents and leads see it.

**Activation.** A new version becomes active when it routes at least some held-out tickets
at the target precision (``activate="auto"``); a lead can also activate any ready version
or switch model routing off. Each process loads the active model once and keeps it until
the active version changes (checked every ``UNIDESK_CONFIG_CACHE_SECONDS``).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from unidesk.accounts.models import User
from unidesk.core.cache import ConfigCache, on_clear
from unidesk.core.errors import DomainError
from unidesk.core.time import now
from unidesk.queues.models import Queue
from unidesk.queues.selectors import queue_by_id
from unidesk.tickets.models import DONE_STATUSES, Event, EventKind, Message, MessageKind, Ticket
from unidesk.triage.classifier import (
    TextClassifier,
    evaluate,
    fit,
    threshold_for_precision,
)
from unidesk.triage.models import ModelStatus, TicketTopic, TopicModel, Trigger

log = logging.getLogger(__name__)

HELD_OUT_SHARE = 0.2
NOT_ROUTED = "-"  # the fallback label in reports: the model left the ticket to the rules
STALE_TRAINING = timedelta(hours=6)  # a run still "training" after this has died


@dataclass(frozen=True, slots=True)
class Example:
    ticket_id: int
    text: str
    queue_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TopicSuggestion:
    """The active model's reading of a new message."""

    model_id: int
    model_version: int
    queue: Queue | None  # None when the predicted queue no longer exists
    label: str
    confidence: float
    confident: bool  # at or above the model's threshold


def ticket_text(subject: str, text: str) -> str:
    """What the model reads: the same at training and at intake."""
    return f"{subject}\n{text}".strip()


# --- the history ---------------------------------------------------------------------


def desk_history(*, since: datetime, until: datetime | None = None) -> list[Example]:
    """Agent-confirmed, finished tickets created in [since, until), oldest first."""
    first = Message.objects.filter(ticket=OuterRef("pk"), kind=MessageKind.CUSTOMER).order_by(
        "created_at", "id"
    )
    moved_by_agent = Event.objects.filter(
        ticket=OuterRef("pk"), kind=EventKind.QUEUE, actor__isnull=False
    )
    tickets = Ticket.objects.filter(status__in=DONE_STATUSES, created_at__gte=since)
    if until is not None:
        tickets = tickets.filter(created_at__lt=until)
    rows = (
        tickets.annotate(
            moved=Exists(moved_by_agent),
            first_subject=Subquery(first.values("subject")[:1]),
            first_text=Subquery(first.values("text")[:1]),
        )
        .filter(Q(moved=True) | Q(first_response_at__isnull=False))
        .order_by("created_at", "id")
        .values_list("pk", "queue_id", "created_at", "first_subject", "first_text")
    )
    examples = []
    for pk, queue_id, created_at, subject, text in rows.iterator(chunk_size=2000):
        body = ticket_text(subject or "", text or "")
        if body:
            examples.append(Example(pk, body, queue_id, created_at))
    return examples


# --- training --------------------------------------------------------------------------


def _next_version() -> int:
    return int(TopicModel.objects.aggregate(top=Max("version"))["top"] or 0) + 1


def _new_row(*, trigger: str, by: User | None, status: str, at: datetime) -> TopicModel:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return TopicModel.objects.create(
                    version=_next_version(), status=status, trigger=trigger, trained_by=by,
                    created_at=at,
                )  # fmt: skip
        except IntegrityError:  # another process took the version number
            continue
    raise DomainError("Could not allocate a model version; try again.")


def request_training(*, by: User | None, at: datetime | None = None) -> TopicModel:
    """Queue a training run for the worker (one at a time: an open request is returned)."""
    pending = TopicModel.objects.filter(
        status__in=[ModelStatus.QUEUED, ModelStatus.TRAINING]
    ).first()
    if pending is not None:
        return pending
    return _new_row(trigger=Trigger.WORKSPACE, by=by, status=ModelStatus.QUEUED, at=at or now())


def train_desk_model(
    *,
    by: User | None = None,
    trigger: str = Trigger.COMMAND,
    activate: str = "auto",
    encoder: str | None = None,
    at: datetime | None = None,
    row: TopicModel | None = None,
) -> TopicModel:
    """Train, evaluate and store a new version from the desk's history (see module doc).

    ``activate``: "auto" (if it reaches the target precision on some held-out tickets),
    "yes" or "no". ``encoder``: a sentence encoder's name, or None for the setting
    ``UNIDESK_TRIAGE_ENCODER``. Failures (too little history) are stored as a failed version
    with the reason, and returned, never raised.
    """
    at = at or now()
    if row is None:
        row = _new_row(trigger=trigger, by=by, status=ModelStatus.TRAINING, at=at)
    row.status = ModelStatus.TRAINING
    row.started_at = now()
    row.save(update_fields=["status", "started_at"])
    try:
        _train_into(row, at=at, encoder=_encoder_name(encoder))
    except Exception as error:  # stored for the admins, not lost in a log
        log.exception("topic model v%s failed", row.version)
        row.status = ModelStatus.FAILED
        row.note = f"{type(error).__name__}: {error}"
        row.finished_at = now()
        row.save()
        return row
    if row.status == ModelStatus.READY:
        passes = bool(row.metrics.get("routed_share"))
        if activate == "yes" or (activate == "auto" and passes):
            activate_model(row, at=now())
        elif activate == "auto":
            reason = _(
                "Not activated: on recent tickets it was never confident enough to reach "
                "the target precision."
            )
            row.note = f"{reason} {row.note}".strip()
            row.save(update_fields=["note"])
    _prune_blobs()
    return row


def _encoder_name(encoder: str | None) -> str | None:
    from unidesk.triage.encoder import available_encoders

    name = encoder if encoder is not None else settings.UNIDESK_TRIAGE_ENCODER
    if name in ("", "none"):
        return None
    if name == "auto":
        return next(iter(available_encoders()), None)
    return name


def _train_into(row: TopicModel, *, at: datetime, encoder: str | None) -> None:
    since = at - timedelta(days=settings.UNIDESK_TRIAGE_HISTORY_DAYS)
    examples = desk_history(since=since, until=at)
    counts = Counter(example.queue_id for example in examples)
    minimum = settings.UNIDESK_TRIAGE_MIN_PER_QUEUE
    dropped = sorted(queue_id for queue_id, count in counts.items() if count < minimum)
    examples = [example for example in examples if counts[example.queue_id] >= minimum]
    names = dict(Queue.objects.values_list("pk", "name"))
    row.finished_at = now()
    row.examples = len(examples)
    kept = sorted({example.queue_id for example in examples})
    notes = []
    if dropped:
        notes.append(
            _("Queues with fewer than %(n)d confirmed tickets were left out: %(names)s.")
            % {"n": minimum, "names": ", ".join(names.get(q, str(q)) for q in dropped)}
        )
    if len(examples) < settings.UNIDESK_TRIAGE_MIN_EXAMPLES or len(kept) < 2:
        row.status = ModelStatus.FAILED
        notes.insert(
            0,
            _(
                "Not enough history: %(n)d confirmed tickets in %(q)d queues; at least "
                "%(min)d in two or more queues are needed."
            )
            % {"n": len(examples), "q": len(kept), "min": settings.UNIDESK_TRIAGE_MIN_EXAMPLES},
        )
        row.note = " ".join(notes)
        row.save()
        return

    cut = max(1, min(len(examples) - 1, round(len(examples) * (1 - HELD_OUT_SHARE))))
    older, recent = examples[:cut], examples[cut:]
    train_rows = [(e.text, str(e.queue_id)) for e in older]
    if len({label for _text, label in train_rows}) < 2:
        train_rows = [(e.text, str(e.queue_id)) for e in examples]  # tiny desks: all of it
    probe = fit(train_rows, encoder=encoder)
    held = [(e.text, str(e.queue_id)) for e in recent]
    probe.tune_gate(held)  # where the words alone suffice, the encoder is skipped
    top = probe.top_many([text for text, _label in held])
    correct = [p.label == label for p, (_text, label) in zip(top, held, strict=True)]
    target = settings.UNIDESK_TRIAGE_TARGET_PRECISION / 100
    minimum_routed = max(1, round(0.05 * len(held)))
    threshold = threshold_for_precision(
        [p.confidence for p in top], correct, target, min_routed=minimum_routed
    )
    probe.fallback_label = NOT_ROUTED
    probe.threshold = threshold if threshold is not None else 1.01
    report = evaluate(probe, held)
    routed = [ok for p, ok in zip(top, correct, strict=True) if p.confidence >= probe.threshold]
    report.update(
        {
            "top1_accuracy": round(sum(correct) / len(correct), 4),
            "target_precision": target,
            "routed_share": round(len(routed) / len(held), 4),
            "routed_precision": round(sum(routed) / len(routed), 4) if routed else None,
            "label_names": {label: names.get(int(label), label) for label in report["labels"]
                            if label != NOT_ROUTED},
            "train_label_counts": dict(Counter(label for _text, label in train_rows)),
            "held_out_from": recent[0].created_at.isoformat(),
            "held_out_until": recent[-1].created_at.isoformat(),
        }
    )  # fmt: skip

    model = fit([(e.text, str(e.queue_id)) for e in examples], encoder=encoder)
    model.fallback_label = NOT_ROUTED
    model.threshold = probe.threshold
    model.gate = probe.gate
    blob = model.dumps()
    row.status = ModelStatus.READY
    row.encoder = encoder or ""
    row.held_out = len(held)
    row.threshold = probe.threshold
    row.labels = list(model.labels)
    row.metrics = report
    row.blob = blob
    row.size_bytes = len(blob)
    row.note = " ".join(notes)
    row.finished_at = now()
    row.save()


def _prune_blobs() -> None:
    keep = settings.UNIDESK_TRIAGE_KEEP_MODELS
    stale = (
        TopicModel.objects.filter(blob__isnull=False, is_active=False)
        .order_by("-version")
        .values_list("pk", flat=True)[keep:]
    )
    ids = list(stale)
    if ids:
        TopicModel.objects.filter(pk__in=ids).update(blob=None, size_bytes=0)


@transaction.atomic
def activate_model(model: TopicModel, *, at: datetime | None = None) -> None:
    """Make ``model`` the one intake routes with (its file must still be stored)."""
    if (
        model.status != ModelStatus.READY
        or not TopicModel.objects.filter(pk=model.pk, blob__isnull=False).exists()
    ):
        raise DomainError(_("Only a trained version whose model is still stored can be active."))
    TopicModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    model.is_active = True
    model.activated_at = at or now()
    model.save(update_fields=["is_active", "activated_at"])
    transaction.on_commit(_active.clear)


@transaction.atomic
def deactivate_models() -> int:
    """No model routes any more (rules and the default queue do); returns rows changed."""
    changed = TopicModel.objects.filter(is_active=True).update(is_active=False)
    transaction.on_commit(_active.clear)
    return changed


# --- the schedule ----------------------------------------------------------------------

_thread: threading.Thread | None = None


def _fail_stale(at: datetime) -> None:
    TopicModel.objects.filter(
        status=ModelStatus.TRAINING, started_at__lt=at - STALE_TRAINING
    ).update(status=ModelStatus.FAILED, note=_("The training process stopped before it ended."))


def next_run(at: datetime) -> TopicModel | None:
    """The run the worker should do now: a queued request, else a scheduled one, else None."""
    _fail_stale(at)
    if TopicModel.objects.filter(status=ModelStatus.TRAINING).exists():
        return None
    queued = TopicModel.objects.filter(status=ModelStatus.QUEUED).order_by("version").first()
    if queued is not None:
        return queued
    days = settings.UNIDESK_TRIAGE_RETRAIN_DAYS
    if not days:
        return None
    last = TopicModel.objects.exclude(trigger=Trigger.WORKSPACE, status=ModelStatus.QUEUED)
    latest = last.aggregate(at=Max("created_at"))["at"]
    if latest is not None and latest > at - timedelta(days=days):
        return None
    return _new_row(trigger=Trigger.SCHEDULE, by=None, status=ModelStatus.QUEUED, at=at)


def run_pending_training(*, at: datetime | None = None) -> TopicModel | None:
    """Do the run that is due, if any, in this thread; returns it."""
    at = at or now()
    row = next_run(at)
    if row is None:
        return None
    claimed = TopicModel.objects.filter(pk=row.pk, status=ModelStatus.QUEUED).update(
        status=ModelStatus.TRAINING, started_at=now()
    )
    if not claimed:
        return None  # another worker took it
    row.refresh_from_db()
    return train_desk_model(by=row.trained_by, trigger=row.trigger, at=at, row=row)


def start_pending_training() -> bool:
    """For the worker loop: run due training in a background thread (one at a time)."""
    global _thread
    if _thread is not None and _thread.is_alive():
        return False

    def work() -> None:
        try:
            run_pending_training()
        except Exception:
            log.exception("topic model training failed")
        finally:
            connections.close_all()  # this thread's own connections

    _thread = threading.Thread(target=work, name="topic-training", daemon=True)
    _thread.start()
    return True


# --- use at intake ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ActiveRef:
    pk: int
    version: int


_active: ConfigCache[_ActiveRef | None] = ConfigCache("active topic model")
_loaded: dict[_ActiveRef, TextClassifier | None] = {}  # the model (None: failed to load)
_loaded_lock = threading.Lock()
on_clear(_loaded.clear)


def _active_ref() -> _ActiveRef | None:
    def read() -> _ActiveRef | None:
        found = TopicModel.objects.filter(is_active=True).values_list("pk", "version").first()
        return _ActiveRef(*found) if found else None

    return _active.get("active", read)


def _load(ref: _ActiveRef) -> TextClassifier | None:
    if ref in _loaded:
        return _loaded[ref]
    with _loaded_lock:
        if ref not in _loaded:
            blob = TopicModel.objects.filter(pk=ref.pk).values_list("blob", flat=True).first()
            model: TextClassifier | None = None
            try:
                model = TextClassifier.loads(bytes(blob)) if blob else None
            except Exception:  # never let a bad model stop intake: rules route instead
                log.exception("topic model v%s could not be loaded; routing by rules", ref.version)
            _loaded.clear()  # keep one version in memory
            _loaded[ref] = model
        return _loaded[ref]


def suggest_queue(subject: str, text: str) -> TopicSuggestion | None:
    """The active model's queue for a new message, or None (no model, routing off)."""
    if not settings.UNIDESK_TRIAGE_ROUTING:
        return None
    ref = _active_ref()
    if ref is None:
        return None
    model = _load(ref)
    body = ticket_text(subject, text)
    if model is None or not body:
        return None
    try:
        best = model.top_many([body])[0]
    except Exception:  # a model must never stop a message from arriving
        log.exception("topic model v%s failed on a message; routing by rules", ref.version)
        return None
    queue = queue_by_id(int(best.label)) if best.label.isdigit() else None
    return TopicSuggestion(
        model_id=ref.pk,
        model_version=ref.version,
        queue=queue,
        label=queue.name if queue is not None else best.label,
        confidence=best.confidence,
        confident=queue is not None and best.confidence >= model.threshold,
    )


def record_topic(
    ticket: Ticket, suggestion: TopicSuggestion, *, routed: bool, at: datetime
) -> TicketTopic:
    return TicketTopic.objects.create(
        ticket=ticket,
        model_id=suggestion.model_id,
        model_version=suggestion.model_version,
        queue=suggestion.queue,
        label=suggestion.label[:100],
        confidence=suggestion.confidence,
        routed=routed,
        created_at=at,
    )


# --- reading the report ------------------------------------------------------------------


def report_rows(model: TopicModel) -> dict[str, Any]:
    """Per-queue figures and the confusion matrix with queue names, for the report page."""
    metrics = model.metrics or {}
    labels: list[str] = list(metrics.get("labels") or [])
    names: dict[str, str] = dict(metrics.get("label_names") or {})
    current = dict(Queue.objects.values_list("pk", "name"))
    for label in labels:
        if label.isdigit() and int(label) in current:
            names[label] = current[int(label)]
    names[NOT_ROUTED] = _("left to rules")
    confusion = metrics.get("confusion") or []
    support = {label: sum(row) for label, row in zip(labels, confusion, strict=False)}
    queues = [
        {
            "name": names.get(label, label),
            "support": support.get(label, 0),
            "recall": (metrics.get("recall") or {}).get(label),
            "precision": (metrics.get("precision") or {}).get(label),
            "train": (metrics.get("train_label_counts") or {}).get(label, 0),
        }
        for label in labels
        if label != NOT_ROUTED
    ]
    matrix = [
        {"name": names.get(label, label), "cells": row}
        for label, row in zip(labels, confusion, strict=False)
        if label != NOT_ROUTED or any(row)
    ]
    return {
        "queues": queues,
        "columns": [names.get(label, label) for label in labels],
        "matrix": matrix,
    }


def latest_models(limit: int = 50) -> list[TopicModel]:
    return list(
        TopicModel.objects.select_related("trained_by").defer("blob").order_by("-version")[:limit]
    )


__all__ = [
    "Example",
    "TopicSuggestion",
    "activate_model",
    "deactivate_models",
    "desk_history",
    "latest_models",
    "next_run",
    "record_topic",
    "report_rows",
    "request_training",
    "run_pending_training",
    "start_pending_training",
    "suggest_queue",
    "train_desk_model",
]

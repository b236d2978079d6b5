"""Routing: which queue a new ticket belongs in, decided by the queues' rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from unidesk.core.cache import ConfigCache
from unidesk.queues.models import Queue, RoutingRule


@dataclass(frozen=True)
class RoutingInput:
    subject: str
    text: str
    channel: str
    tier: str
    default_queue_id: int | None = None


@dataclass(frozen=True)
class RoutingDecision:
    queue: Queue
    rule: RoutingRule | None
    priority: int | None
    by_model: bool = False


@lru_cache(maxsize=512)
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    words = [re.escape(k.strip()) for k in keywords if k.strip()]
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def has_conditions(rule: RoutingRule) -> bool:
    """A rule that says something (keywords, regex, channels, tiers), not a catch-all."""
    return bool(rule.keywords or rule.regex or rule.channels or rule.tiers)


def rule_matches(rule: RoutingRule, data: RoutingInput) -> bool:
    if rule.channels and data.channel not in rule.channels:
        return False
    if rule.tiers and data.tier not in rule.tiers:
        return False
    haystack = f"{data.subject}\n{data.text}"
    if rule.keywords:
        pattern = _keyword_pattern(tuple(rule.keywords))
        if pattern is not None and not pattern.search(haystack):
            return False
    return not (rule.regex and not _regex(rule.regex).search(haystack))


_rules: ConfigCache[list[RoutingRule]] = ConfigCache("routing rules")
_default: ConfigCache[Queue | None] = ConfigCache("default queue")


def route(data: RoutingInput, *, model_queue: Queue | None = None) -> RoutingDecision:
    """The queue for a new ticket, in this order of precedence:

    1. the first active matching rule (by position) that has a condition;
    2. ``model_queue``, the topic model's confident choice, when given;
    3. the first active rule without conditions (a catch-all);
    4. the channel's own queue (``data.default_queue_id``: a mailbox's, a chat widget's, a
       Telegram bot's);
    5. the desk's default queue.

    Without ``model_queue`` this is simply the first matching rule, else the channel's
    queue, else the default queue.
    Raises Queue.DoesNotExist when nothing matches and no queue is the default.
    """
    rules = _rules.get(
        "active",
        lambda: list(RoutingRule.objects.filter(is_active=True).select_related("queue")),
    )
    for rule in rules:
        if model_queue is not None and not has_conditions(rule):
            continue
        if rule_matches(rule, data):
            return RoutingDecision(queue=rule.queue, rule=rule, priority=rule.set_priority)
    if model_queue is not None:
        return RoutingDecision(queue=model_queue, rule=None, priority=None, by_model=True)
    own_id = data.default_queue_id
    if own_id is not None:
        own = _default.get(own_id, lambda: Queue.objects.filter(pk=own_id).first())
        if own is not None:
            return RoutingDecision(queue=own, rule=None, priority=None)
    default = _default.get("default", lambda: Queue.objects.filter(is_default=True).first())
    if default is None:
        raise Queue.DoesNotExist("No routing rule matched and no queue is the default.")
    return RoutingDecision(queue=default, rule=None, priority=None)

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


@lru_cache(maxsize=512)
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    words = [re.escape(k.strip()) for k in keywords if k.strip()]
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


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


def route(data: RoutingInput) -> RoutingDecision:
    """The first active matching rule's queue, else the channel's own default queue (a chat
    widget's, a Telegram bot's), else the desk's default queue.

    Raises Queue.DoesNotExist when no rule matches and no default queue is configured.
    """
    rules = _rules.get(
        "active",
        lambda: list(RoutingRule.objects.filter(is_active=True).select_related("queue")),
    )
    for rule in rules:
        if rule_matches(rule, data):
            return RoutingDecision(queue=rule.queue, rule=rule, priority=rule.set_priority)
    own_id = data.default_queue_id
    if own_id is not None:
        own = _default.get(own_id, lambda: Queue.objects.filter(pk=own_id).first())
        if own is not None:
            return RoutingDecision(queue=own, rule=None, priority=None)
    default = _default.get("default", lambda: Queue.objects.filter(is_default=True).first())
    if default is None:
        raise Queue.DoesNotExist("No routing rule matched and no queue is the default.")
    return RoutingDecision(queue=default, rule=None, priority=None)

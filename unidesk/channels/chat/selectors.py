"""Reads of the web chat for the workspace: who the visitor on a ticket is, and where."""

from __future__ import annotations

from dataclasses import dataclass

from unidesk.channels.chat.models import ChatSession
from unidesk.channels.chat.services import is_visitor_here
from unidesk.tickets.models import Ticket


@dataclass(frozen=True)
class Visitor:
    session: ChatSession
    here: bool


def get_visitor(ticket: Ticket) -> Visitor | None:
    """The chat visitor whose conversation `ticket` is (callers checked access already)."""
    session = (
        ChatSession.objects.select_related("widget")
        .filter(ticket=ticket)
        .order_by("-last_seen_at")
        .first()
    )
    if session is None:
        return None
    return Visitor(session=session, here=is_visitor_here(session))

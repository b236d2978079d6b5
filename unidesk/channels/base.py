"""What every channel adapter shares: the inbound shape and the error it raises outbound."""

from __future__ import annotations

from unidesk.intake.inbound import InboundAttachment, InboundMessage


class ChannelError(Exception):
    """Sending failed. `permanent` errors are not retried (a bad address, a blocked bot)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


__all__ = ["ChannelError", "InboundAttachment", "InboundMessage"]

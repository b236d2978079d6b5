"""Long-running commands (worker, smtpd, imap-poll, telegram-poll) stop the same way."""

from __future__ import annotations

import signal
import threading
from types import FrameType


def stop_event(*, on_signals: bool = True) -> threading.Event:
    """An event set by SIGTERM or SIGINT, so a loop can finish its round and exit cleanly.

    `on_signals=False` (a command's `--once`) leaves the signal handlers alone.
    """
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if on_signals:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    return stop

"""Long-running commands (worker, smtpd, imap-poll, telegram-poll) stop the same way."""

from __future__ import annotations

import signal
import threading
import weakref
from types import FrameType

_running: weakref.WeakSet[threading.Event] = weakref.WeakSet()


def stop_event(*, on_signals: bool = True) -> threading.Event:
    """An event set by SIGTERM or SIGINT, so a loop can finish its round and exit cleanly.

    `on_signals=False` (a command's `--once`) leaves the signal handlers alone, and so
    does a command run in a thread (only the main thread may take signals): the process
    that started it stops it with `stop_all()`.
    """
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if on_signals and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    _running.add(stop)
    return stop


def stop_all() -> None:
    """Ask every loop of this process to stop (`unidesk run` stopping the commands it runs
    in threads)."""
    for stop in list(_running):
        stop.set()

"""Long-running commands stop on SIGTERM or SIGINT after their round."""

from __future__ import annotations

import os
import signal

from unidesk.core.process import stop_event


def test_sigterm_sets_the_stop_event_and_once_leaves_the_handlers_alone() -> None:
    saved = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        untouched = stop_event(on_signals=False)
        assert signal.getsignal(signal.SIGTERM) is saved[0]

        stop = stop_event()
        assert not stop.is_set()
        os.kill(os.getpid(), signal.SIGTERM)

        assert stop.is_set() and not untouched.is_set()
    finally:
        signal.signal(signal.SIGTERM, saved[0])
        signal.signal(signal.SIGINT, saved[1])

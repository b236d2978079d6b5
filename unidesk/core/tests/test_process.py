"""Long-running commands stop on SIGTERM or SIGINT after their round."""

from __future__ import annotations

import os
import signal
import threading

from unidesk.core.process import stop_all, stop_event


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


def test_a_command_run_in_a_thread_is_stopped_by_stop_all() -> None:
    saved = signal.getsignal(signal.SIGTERM)
    events: list[threading.Event] = []
    thread = threading.Thread(target=lambda: events.append(stop_event()))
    thread.start()
    thread.join()

    assert signal.getsignal(signal.SIGTERM) is saved  # only the main thread takes signals
    assert not events[0].is_set()
    stop_all()
    assert events[0].is_set()

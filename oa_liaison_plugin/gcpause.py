"""Python's cycle collector paused for a batch that makes many objects and no cycles (a reminder pass)."""
from __future__ import annotations

import contextlib
import gc
import threading

_lock = threading.Lock()
_state = {"inside": 0, "was_enabled": False}


@contextlib.contextmanager
def gc_paused():
    """No cycle collection inside the block (nested and concurrent blocks share one pause).

    Why: a pass keeps tens of thousands of young objects alive (rows, reminders, their dicts); every few
    hundred allocations the collector walks them again, and at full size (60,000 reminders) that was a fifth
    of the first pass. They hold no cycles, so nothing is lost by collecting once the pass is over."""
    with _lock:
        if not _state["inside"]:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["inside"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["inside"] -= 1
            if not _state["inside"] and _state["was_enabled"]:
                gc.enable()

"""The cycle collector pauses for a reminder pass and comes back after it, also when passes overlap or fail."""
from __future__ import annotations

import gc
import threading

import pytest

from oa_liaison_plugin.gcpause import gc_paused


def test_paused_inside_back_after_even_on_error_and_when_blocks_overlap():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()           # the outer block is still running
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("a pass failed")
    assert gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def other():
        with gc_paused():
            inside.set()
            leave.wait(10)
    t = threading.Thread(target=other)
    t.start()
    inside.wait(10)
    with gc_paused():
        pass
    assert not gc.isenabled()               # the other thread's pass goes on without the collector
    leave.set()
    t.join(10)
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

"""Background lanes of the serving process: a bounded pool per jurisdiction, so a slow host delays only its own."""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from .envelope import ApiError

_lanes: dict[tuple[int, str], ThreadPoolExecutor] = {}
_lock = threading.Lock()
# Per serving process: file_url fetches a request may wait for at once. Kept below the serving threads, so a
# slow file host can hold at most these and the other threads keep answering (/login, the API).
_fetch_slots: dict[int, threading.BoundedSemaphore] = {}
_fetchers: dict[int, ThreadPoolExecutor] = {}


def submit(liaison, jurisdiction: str, fn, *args) -> Future:
    """Run ``fn(*args)`` on the jurisdiction's lane (``API_PROCESS_THREADS`` threads, never a request's)."""
    key = (id(liaison), jurisdiction)
    with _lock:
        pool = _lanes.get(key)
        if pool is None:
            pool = _lanes[key] = ThreadPoolExecutor(max_workers=int(liaison.config["API_PROCESS_THREADS"]),
                                                    thread_name_prefix=f"oa-liaison-{jurisdiction}"[:40])
    return pool.submit(fn, *args)


def fetch_for_request(liaison, fn, *args):
    """``fn(*args)`` (a fetch with its own deadline) on a fetcher thread; the request waits for it.

    With every slot taken the request is refused at once (503 busy) instead of queueing a serving thread.
    """
    n = max(1, int(liaison.config["API_PREVIEW_FETCHES"]))
    with _lock:
        slots = _fetch_slots.setdefault(id(liaison), threading.BoundedSemaphore(n))
        pool = _fetchers.get(id(liaison))
        if pool is None:
            pool = _fetchers[id(liaison)] = ThreadPoolExecutor(max_workers=n, thread_name_prefix="oa-liaison-fetch")
    if not slots.acquire(blocking=False):
        raise ApiError("busy")
    try:
        return pool.submit(fn, *args).result()
    finally:
        slots.release()

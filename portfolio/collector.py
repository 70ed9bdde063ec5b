"""Pausing Python's cyclic garbage collector around work that allocates many objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No collection while the block runs (it is enabled again after, if it was).

    Building thousands of rows, dicts and tuples that form no cycle sets off collections that
    scan every object the process holds: in a process holding a large portfolio, a full one
    costs more than the work itself. Cyclic garbage made meanwhile is collected later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

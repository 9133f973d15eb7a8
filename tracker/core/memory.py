"""Giving freed memory back to the system in long batch work (the daily sweep of a province).

A sweep allocates and frees hundreds of megabytes slice by slice; glibc keeps the freed heap for
reuse, so each phase starts from the previous phase's high-water mark and the process grows past
what any one slice needs. `release()` asks glibc to return it (malloc_trim); elsewhere a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _trim():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


def release() -> None:
    """Return the freed heap to the system, where the C library can (glibc's malloc_trim)."""
    trim = _trim()
    if trim is not None:
        trim(0)

"""Room to recurse for documents nested hundreds of levels deep.

Reading and editing walk values recursively (merging objects, copying them, comparing them), a few Python frames
per level. pyhocon reads a dotted key of up to about 980 segments, and a key extended with `+=` on hundreds of
lines is a chain of values as long; the default recursion limit (1000) does not leave room for that. Such a
document is handled in a thread with a large stack and a recursion limit raised to what its depth needs, and
only for as long as that takes. Everything else runs as usual, in the caller's thread.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")

FRAMES_PER_LEVEL = 8  # the deepest of our recursions (copy.deepcopy of a computed value) with a margin
_MARGIN = 250
_BYTES_PER_FRAME = 2048  # C stack per Python frame, generously (3.10 recurses in C for each call)
_MIN_STACK = 32 * 1024 * 1024
_MAX_STACK = 1024 * 1024 * 1024

_lock = threading.Lock()
_inside = threading.local()


def _stack_depth() -> int:
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


def with_room(levels: int, action: Callable[[], _T]) -> _T:
    """``action()``, with room for ``levels`` levels of nesting (see FRAMES_PER_LEVEL)."""
    frames = levels * FRAMES_PER_LEVEL + _MARGIN
    if getattr(_inside, "frames", 0) or _stack_depth() + frames <= sys.getrecursionlimit():
        return action()  # enough room here (or already in a roomy thread, whose room was sized for the document)
    outcome: dict[str, Any] = {}

    def run() -> None:
        _inside.frames = frames
        try:
            outcome["value"] = action()
        except BaseException as e:  # handed to the caller's thread
            outcome["error"] = e

    stack = min(max(_MIN_STACK, frames * _BYTES_PER_FRAME), _MAX_STACK)
    with _lock:  # the recursion limit and the stack size of new threads are process-wide
        limit = sys.getrecursionlimit()
        old_stack = threading.stack_size()
        try:
            worker = threading.Thread(target=run, name="clearml-cfg-deep", daemon=True)
            sys.setrecursionlimit(max(limit, frames + _MARGIN))
            try:
                threading.stack_size(stack)
                worker.start()
            except (RuntimeError, ValueError, MemoryError):  # no such stack to be had: try where we are
                sys.setrecursionlimit(limit)
                return action()
            finally:
                threading.stack_size(old_stack)
            worker.join()
        finally:
            sys.setrecursionlimit(limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]

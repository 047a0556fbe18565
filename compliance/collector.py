"""The cyclic garbage collector, paused around work that holds many live objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block: a cold gap evaluation's shared reads (every
    item's latest calibration, every training record's evidence) are hundreds of thousands of
    objects, and the collector would walk them over and over. Reference counting still frees
    what is dropped. Nested blocks resume the collector only when the outermost one ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

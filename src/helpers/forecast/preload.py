"""scipy imported in a background thread while a command reads its book.

Importing ``scipy.optimize`` costs about 0.5-1 s (scipy.linalg, sparse, fft come with it), and
the potential's fit is the first thing that needs it (:func:`helpers.forecast.potential.scipy_function`
imports at the first call). A command that will fit (``pumpkin metrics`` reading a book that is
not cached yet) starts :func:`start_import` before it loads the book, so the import runs while
the book is read and validated instead of after it. Nothing else changes:
the model imports the same modules where it uses them (Python's import lock makes it wait for a
half-finished background import), so the figures are the same, and an import that fails in the
thread fails again there and is reported as a missing model package would be without the thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from importlib import import_module

#: What the potential's fits and forecasts import (``scipy_function`` in the forecast modules).
SCIPY_MODULES = ("scipy.optimize", "scipy.special")


def start_import(
    modules: Sequence[str] = SCIPY_MODULES, *, when: Callable[[], bool] = lambda: True
) -> threading.Thread:
    """Import ``modules`` in a started thread when ``when()`` (also run in the thread) is true.

    The caller joins the thread before it returns. Any error, in ``when`` or an import, is left
    for the code that needs the module to meet again in its own thread: the background thread
    never prints or raises."""

    def run() -> None:
        try:
            if when():
                for name in modules:
                    import_module(name)
        except Exception:  # the model's own import reports it (see above)
            pass

    thread = threading.Thread(target=run, name="pumpkin-scipy-import")
    thread.start()
    return thread

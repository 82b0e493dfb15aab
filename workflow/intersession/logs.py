"""Logging for workflow steps: to the rule's log file and to the console at once."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from intersession.errors import InputError, capped

log = logging.getLogger("intersession")


@contextlib.contextmanager
def step_log(path: str | Path, step: str) -> Iterator[logging.Logger]:
    """Send this step's log records to ``path`` and stderr; turn input errors into exit 1.

    An :class:`InputError` is the user's to fix, so it is logged as its message alone; any
    other exception keeps its traceback (it is a bug to report).
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter(f"%(asctime)s {step} %(levelname)s %(message)s", "%H:%M:%S")
    handlers = [logging.FileHandler(path, mode="w", encoding="utf-8"), logging.StreamHandler()]
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(fmt)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("arviz").setLevel(logging.WARNING)  # chatter about optional packages
    try:
        yield log
    except InputError as err:
        log.error("%s", capped(str(err)))
        sys.exit(1)
    except Exception:
        log.exception("%s failed with an unexpected error; please report it", step)
        raise
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()

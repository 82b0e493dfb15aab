"""Atomic file output: write to a temporary sibling, then rename into place.

A job that fails or is killed mid-write leaves at most a ``.tmp`` file that no rule
reads, never a truncated file under the final name (``os.replace`` is atomic on POSIX
within one file system).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; move it to ``final`` only on success."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(final: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``final`` atomically."""
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(final: str | os.PathLike, frame, **kwargs) -> None:
    """Write a pandas DataFrame to CSV atomically (no index unless asked)."""
    kwargs.setdefault("index", False)
    with atomic_path(final) as tmp:
        frame.to_csv(tmp, **kwargs)

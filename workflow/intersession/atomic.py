"""Atomic output: write to a temporary sibling, then rename into place.

A job that fails or is killed mid-write leaves at most a hidden ``.tmp`` file or folder
that no rule reads, never a truncated file under the final name (``os.replace`` is atomic
on POSIX within one file system). A killed job's temporaries are removed when its output
is next written (Snakemake's lock keeps two runs from writing the same output at once).

Inside :func:`together`, the renames wait until the whole block has succeeded, so a job
with several outputs leaves all of them or none (but for the instant of the renames).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Renames (temporary, final) held back by the innermost :func:`together` block.
_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("pending", default=None)


@contextlib.contextmanager
def together() -> Iterator[None]:
    """Hold back the renames of every atomic output written in the block; make them all
    when it succeeds, none when it fails."""
    pending: list[tuple[Path, Path]] = []
    token = _pending.set(pending)
    try:
        yield
        _pending.reset(token)
        token = None
        for tmp, final in pending:
            _move(tmp, final)
    finally:
        if token is not None:
            _pending.reset(token)
        for tmp, _ in pending:
            _remove(tmp)


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; move it to ``final`` only on success."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(final)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    with _committed(tmp, final, 0o666):  # mkstemp makes 0600; give the usual permissions
        yield tmp


@contextlib.contextmanager
def atomic_directory(final: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; on success it replaces ``final``
    (and whatever that held)."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    with _committed(tmp, final, 0o777):  # mkdtemp makes 0700
        yield tmp


@contextlib.contextmanager
def _committed(tmp: Path, final: Path, mode: int) -> Iterator[None]:
    try:
        yield
        os.chmod(tmp, mode & ~_umask())
    except BaseException:
        _remove(tmp)
        raise
    pending = _pending.get()
    if pending is None:
        _move(tmp, final)
    else:
        pending.append((tmp, final))


def _move(tmp: Path, final: Path) -> None:
    if tmp.is_dir() and final.is_dir():
        shutil.rmtree(final)
    os.replace(tmp, final)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _remove_stale(final: Path) -> None:
    """Temporaries of an earlier write of ``final`` that was killed before its rename."""
    for stale in final.parent.glob(f".{final.name}.*.tmp"):
        _remove(stale)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(final: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``final`` atomically."""
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(final: str | os.PathLike, frame, **kwargs) -> None:
    """Write a pandas DataFrame to CSV atomically (no index unless asked), its text cells
    safe to open in a spreadsheet program (:func:`intersession.tables.spreadsheet_safe`)."""
    from intersession.tables import spreadsheet_safe

    kwargs.setdefault("index", False)
    with atomic_path(final) as tmp:
        spreadsheet_safe(frame).to_csv(tmp, **kwargs)

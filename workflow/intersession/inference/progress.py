"""Progress of a long fit as log lines, on a terminal and in a job's log file alike.

The samplers' own progress bars draw only on a terminal; a fit on a cluster node writes
its log to a file, where they show nothing. Every ``interval`` seconds (default
:data:`INTERVAL_S`, or the environment variable ``INTERSESSION_PROGRESS_SECONDS``) a fit
logs one line: chains, kept draws done of all, divergences so far, time elapsed and an
estimate of the time left (from the rate of kept draws so far; none while tuning).
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np

log = logging.getLogger("intersession")

#: Seconds between progress lines.
INTERVAL_S = 30.0


def interval() -> float:
    """Seconds between progress lines: ``INTERSESSION_PROGRESS_SECONDS`` or the default."""
    return float(os.environ.get("INTERSESSION_PROGRESS_SECONDS", INTERVAL_S))


def duration(seconds: float) -> str:
    """'45 s', '3 min 05 s', '1 h 02 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class Progress:
    """Counts of one fit's sampling, logged every :func:`interval` seconds."""

    def __init__(self, chains: int, tune: int, draws: int, every: float | None = None):
        self.chains, self.tune, self.draws = chains, tune, draws
        self.every = interval() if every is None else every
        self.start = self.last = time.perf_counter()
        self.first: tuple[float, int] | None = None  # (time, kept draws) first seen kept

    def line(self, kept: int, divergences: int, now: float) -> str:
        """One progress line given the kept draws done (all chains) and divergences."""
        total = self.chains * self.draws
        elapsed = now - self.start
        left = ""
        if kept == 0:
            phase = f"tuning ({self.tune:,} steps per chain)"
        else:
            phase = f"{kept:,} of {total:,} draws ({kept / total:.0%})"
            self.first = self.first or (now, kept)
            since, before = now - self.first[0], self.first[1]
            if since > 0 and total > kept > before:
                left = f", about {duration((total - kept) * since / (kept - before))} left"
        return (
            f"sampling: {self.chains} chains, {phase}, {divergences} divergence"
            f"{'' if divergences == 1 else 's'} so far, {duration(elapsed)} elapsed{left}"
        )

    def due(self) -> bool:
        now = time.perf_counter()
        if now - self.last < self.every:
            return False
        self.last = now
        return True

    def report(self, kept: int, divergences: int) -> None:
        log.info(self.line(kept, divergences, time.perf_counter()))


def nutpie_counts(trace) -> tuple[int, int]:
    """Kept draws done over all chains and divergences so far, from a running nutpie
    sampler's ``inspect()`` (its draws are padded with missing values per chain)."""
    if "sample_stats" not in trace.groups():
        return 0, 0
    stats = trace.sample_stats
    kept = int(np.isfinite(stats["step_size"].values).sum())
    return kept, int(np.nansum(stats["diverging"].values))


def wait_for_nutpie(sampler, progress: Progress):
    """The trace of a nutpie sampler started with ``blocking=False``, logging progress."""
    while True:
        try:
            return sampler.wait(timeout=progress.every)
        except TimeoutError:
            progress.last = time.perf_counter()
            progress.report(*nutpie_counts(sampler.inspect()))


class PymcCallback:
    """A ``pm.sample`` callback counting kept draws and divergences per draw, logging
    progress when due."""

    def __init__(self, progress: Progress):
        self.progress, self.kept, self.divergences = progress, 0, 0

    def __call__(self, trace, draw) -> None:
        if not draw.tuning:
            self.kept += 1
        stats = draw.stats[0] if isinstance(draw.stats, list) else draw.stats
        self.divergences += int(bool(stats.get("diverging", False)))
        if self.progress.due():
            self.progress.report(self.kept, self.divergences)

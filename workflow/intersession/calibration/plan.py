"""What the bench's calibration targets run: batches, study sizes, run names.

Snakemake reads this while it parses the workflow, so it imports neither PyMC nor the
modules that fit (:mod:`.sbc`, :mod:`.design`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from intersession.schema import DeclarationError

# -- simulation-based calibration --------------------------------------------------------


def run_name(settings: dict) -> str:
    """``<model>``, or ``<model>-<variant>`` when a variant is fitted to the model's data."""
    variant = settings["fit_variant"]
    return f"{settings['model']}-{variant}" if variant else settings["model"]


def batches(settings: dict) -> list[int]:
    """Batch numbers: ``replicates`` split into batches of ``batch_size``."""
    return list(range(math.ceil(settings["replicates"] / settings["batch_size"])))


def check_settings(settings: dict) -> None:
    """Cross-key checks the schema cannot express."""
    pooled = settings["chains"] * settings["draws"]
    if settings["thin_draws"] > pooled:
        raise DeclarationError(
            f"config key 'sbc.thin_draws' is {settings['thin_draws']}, more than the "
            f"{pooled} posterior draws of a fit (sbc.chains x sbc.draws); lower it or draw more"
        )


# -- design analysis ---------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """One study size of the design analysis."""

    clients: int
    therapists: int
    sessions: int

    @property
    def label(self) -> str:
        return f"{self.clients}x{self.sessions}"


def sizes(settings: dict) -> list[Size]:
    """Every clients x sessions combination, with its number of therapists: ``therapists``
    if given, else clients / ``clients_per_therapist`` (rounded, at least 1)."""
    found, problems = [], []
    for clients in settings["clients"]:
        fixed = settings["therapists"]
        therapists = fixed or max(1, round(clients / settings["clients_per_therapist"]))
        if therapists > clients:
            problems.append(f"{therapists} therapists for {clients} clients")
        found += [Size(clients, therapists, s) for s in settings["sessions"]]
    if problems:
        raise DeclarationError(
            f"config key 'design.therapists': {'; '.join(problems)}; a therapist needs at "
            "least one client"
        )
    return found


def jobs(settings: dict) -> list[tuple[Size, int]]:
    """(size, batch) of every batch job: ``replicates`` per size in ``batch_size`` batches."""
    n_batches = -(-settings["replicates"] // settings["batch_size"])
    return [(size, batch) for size in sizes(settings) for batch in range(n_batches)]


def batch_replicates(settings: dict, batch: int) -> range:
    """The replicates of one batch (SBC and design analysis alike)."""
    size = settings["batch_size"]
    return range(batch * size, min(settings["replicates"], (batch + 1) * size))

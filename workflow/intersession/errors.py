"""Errors caused by the user's inputs: reported as a message, without a traceback."""

import contextlib
import sys
from collections.abc import Iterator

#: Characters of an error message shown; a longer one is cut (a listing of problems is
#: bounded where it is made; this guards the rest).
MESSAGE_CHARS = 20_000


class InputError(ValueError):
    """A problem in a study file, codebook, config or declaration that the user can fix."""


class ModelDataError(InputError):
    """The rows a model would use cannot identify it (no rows, no variation, too few
    categories): found where the model's data are prepared, named with the fix."""


def capped(message: str, limit: int = MESSAGE_CHARS) -> str:
    """``message`` cut to ``limit`` characters, saying how much was left out."""
    if len(message) <= limit:
        return message
    return message[:limit] + f"\n... ({len(message) - limit:,} more characters not shown)"


@contextlib.contextmanager
def exit_on_input_error() -> Iterator[None]:
    """For code Snakemake runs while reading the workflow (config and declaration checks):
    an :class:`InputError` stops the run with its message alone and exit status 1, where
    Snakemake would print it with a traceback."""
    try:
        yield
    except InputError as err:
        sys.exit(capped(str(err)))

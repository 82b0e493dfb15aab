"""Errors caused by the user's inputs: reported as a message, without a traceback."""

import contextlib
import sys
from collections.abc import Iterator


class InputError(ValueError):
    """A problem in a study file, codebook, config or declaration that the user can fix."""


@contextlib.contextmanager
def exit_on_input_error() -> Iterator[None]:
    """For code Snakemake runs while reading the workflow (config and declaration checks):
    an :class:`InputError` stops the run with its message alone and exit status 1, where
    Snakemake would print it with a traceback."""
    try:
        yield
    except InputError as err:
        sys.exit(str(err))

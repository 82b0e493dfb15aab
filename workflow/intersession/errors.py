"""Errors caused by the user's inputs: reported as a message, without a traceback."""


class InputError(ValueError):
    """A problem in a study file, codebook, config or declaration that the user can fix."""

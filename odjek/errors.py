"""Errors the CLI reports as one line with exit status 2 (bad usage, bad input, bad configuration)."""


class OdjekError(Exception):
    exit_code = 2


class InputError(OdjekError):
    """The user gave input Odjek cannot use."""

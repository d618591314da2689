"""Errors the CLI reports as one line, and the exit statuses of ``odjek`` (documented in docs/operations.md).

0 done; 1 an unexpected internal error (a bug: traceback); 2 bad usage, bad input, bad configuration or an
unreachable store; 3 a pipeline stage failed as a whole; 4 every source failed in a run; 5 mail not delivered;
6 the go-live probe found a source with no working path.
"""

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_STAGE_FAILED = 3
EXIT_ALL_SOURCES_FAILED = 4
EXIT_NOT_DELIVERED = 5
EXIT_SOURCE_UNAVAILABLE = 6


class OdjekError(Exception):
    exit_code = EXIT_USAGE


class InputError(OdjekError):
    """The user gave input Odjek cannot use."""


class ConfigurationError(OdjekError):
    """The settings name something unusable: a bad database URL, an unreachable or missing store."""


class RunFailed(OdjekError):
    """A command did its work but the outcome is a failure the caller must see in its exit status."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

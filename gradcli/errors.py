"""The error hierarchy and the exit codes: one place maps every failure to a documented code."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    BUG = 1
    BAD_INPUT = 2
    NOT_CONVERGED = 3
    NUMERIC_FAILURE = 4
    SYMBOLIC_TIMEOUT = 5
    OUTPUT_FAILED = 74  # sysexits' EX_IOERR: the disk filled up or the device failed
    INTERRUPTED = 130
    BROKEN_PIPE = 141


class GradcliError(Exception):
    """A failure with a one-sentence message meant for the user."""

    exit_code = ExitCode.BUG


class InputError(GradcliError):
    """The user's text or options cannot be used."""

    exit_code = ExitCode.BAD_INPUT


class NumericError(GradcliError):
    """The maths is undefined or not finite where it was asked for."""

    exit_code = ExitCode.NUMERIC_FAILURE


class SymbolicTimeout(GradcliError):
    """Symbolic work ran past its time budget."""

    exit_code = ExitCode.SYMBOLIC_TIMEOUT

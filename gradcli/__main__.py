"""The console script and `python -m gradcli`: import the CLI, then run it.

Importing Typer, Rich and the commands takes a moment; Ctrl-C in that moment ends like Ctrl-C
anywhere else (one line, exit 130), not with a traceback.
"""

import contextlib
import os
import signal
import sys

from gradcli import interrupts

interrupts.install()  # first of all: from here on Ctrl-C and SIGTERM are noted, never lost


def main() -> None:
    interrupts.install()  # SIGTERM ends gradcli as Ctrl-C does
    if sys.stderr is None:  # started with stderr closed: its sentences go nowhere, codes stay
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - open for the process's lifetime
    if sys.stdout is None:  # started with stdout closed (`gradcli … >&-`)
        if sys.stderr is not None:
            sys.stderr.write("error: the output could not be written (stdout is closed); give "
                             "gradcli somewhere to write, such as a file or a pipe.\n")
        _leave(74)  # ExitCode.OUTPUT_FAILED, without importing the CLI
    try:
        from gradcli.cli import app

        app()  # from here on, the commands report an interrupt themselves
        code = 0
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted.\n")
        if "--json" in sys.argv:
            sys.stdout.write('{\n  "status": "interrupted",\n  "message": "Interrupted before '
                             'any result was ready."\n}\n')
        code = 130
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
    _leave(code)


def _leave(code: int) -> None:
    """Flush and exit with `code`, with Ctrl-C and SIGTERM held from here on: once the answer
    is decided, a signal that lands while the interpreter shuts down must not turn exit 130 (or
    0) into death by SIGINT, which CPython reports for a KeyboardInterrupt it sees then."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGTERM))
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # gone, or never open
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()

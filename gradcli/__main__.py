"""The console script and `python -m gradcli`: import the CLI, then run it.

Importing Typer, Rich and the commands takes a moment; Ctrl-C in that moment ends like Ctrl-C
anywhere else (one line, exit 130), not with a traceback.
"""

import signal
import sys


def _terminated(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)  # SIGTERM ends gradcli as Ctrl-C does
    try:
        from gradcli.cli import app

        app()  # from here on, the commands report an interrupt themselves
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted.\n")
        if "--json" in sys.argv:
            sys.stdout.write('{\n  "status": "interrupted",\n  "message": "Interrupted before '
                             'any result was ready."\n}\n')
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()

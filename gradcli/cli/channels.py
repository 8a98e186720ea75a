"""The three standard streams as gradcli meets them: closed, full, or unable to show Unicode.

gradcli writes maths with Unicode (x², ‖∇f‖, η); where the stream's encoding cannot hold a
character (PYTHONIOENCODING=ascii, a C locale), it is written in ASCII notation instead of
failing. A disk that fills up while the output is written is the user's situation, not a bug:
one sentence and its own exit code.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import sys
import unicodedata

from gradcli.errors import ExitCode

ASCII_FORMS = {
    "²": "^2", "³": "^3", "⁴": "^4", "⁵": "^5", "⁶": "^6", "⁷": "^7", "⁸": "^8", "⁹": "^9",
    "⁰": "^0", "¹": "^1", "ᵗ": "^t", "ᵏ": "^k", "⁻": "^-", "·": "*", "×": "x", "−": "-",
    "–": "-", "—": "-", "‖": "||", "∇": "grad ", "η": "eta", "λ": "lambda", "μ": "mu",
    "β": "beta", "ρ": "rho", "ε": "eps", "θ": "theta", "φ": "phi", "π": "pi", "σ": "sigma",
    "Σ": "sum", "∂": "d", "≈": "~", "≤": "<=", "≥": ">=", "≠": "!=", "→": "->", "←": "<-",
    "…": "...", "√": "sqrt", "∞": "inf", "±": "+-", "°": " deg", "₀": "0", "₁": "1", "₂": "2",
    "₃": "3", "ᵢ": "i", "⁺": "+", "“": '"', "”": '"', "‘": "'", "’": "'", "•": "*",
    "●": "o", "○": "o", "◆": "*", "◇": "*", "▲": "^", "△": "^", "■": "#", "□": "#", "★": "*",
    "☆": "*", "█": "#", "░": ".", "▒": ":", "≡": "=", "│": "|", "─": "-", "┼": "+",
}
OUTPUT_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT}


def _ascii_form(error: UnicodeError) -> tuple[str, int]:
    text = error.object[error.start:error.end]  # type: ignore[attr-defined]
    out = []
    for char in text:
        plain = ASCII_FORMS.get(char) or unicodedata.normalize("NFKD", char).encode(
            "ascii", "ignore").decode() or "?"
        out.append(plain)
    return "".join(out), error.end  # type: ignore[attr-defined]


codecs.register_error("gradcli-ascii", _ascii_form)


def prepare_streams() -> None:
    """Make stdout and stderr write what their encoding cannot hold in ASCII notation."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "ascii").lower()
        if "utf" not in encoding and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="gradcli-ascii")


def finish_output() -> None:
    """Flush stdout now, so a failing write is reported here and not at interpreter exit."""
    if sys.stdout is not None:
        sys.stdout.flush()


def abandon_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def output_failure(error: OSError) -> tuple[str, ExitCode] | None:
    """The sentence and exit code for a write that failed because of the output's medium."""
    if isinstance(error, BrokenPipeError):
        abandon_stdout()
        return "", ExitCode.BROKEN_PIPE
    if error.errno in OUTPUT_ERRORS:
        abandon_stdout()
        return (f"the output could not be written ({os.strerror(error.errno)}); free some space "
                "or write elsewhere.", ExitCode.OUTPUT_FAILED)
    return None

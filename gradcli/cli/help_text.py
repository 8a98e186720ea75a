"""Help text as a person copies it: prose wrapped to the terminal, examples whole.

Click wraps a command's help at 80 columns whatever the terminal, and rewraps example lines as
prose, so an example could break in the middle of a command. Here the prose is wrapped to the
terminal's width, and each example (a line that starts with `gradcli `) stays on a line of its
own; only where the terminal is narrower than the example is it folded at a space, each line but
the last ending in ` \\`, so the folded example still runs when pasted into a shell.
"""

from __future__ import annotations

import inspect
import shlex
import shutil
import textwrap

EXAMPLE = "gradcli "
CONTINUATION = " \\"
CONTINUED_INDENT = "    "


def fold_example(line: str, width: int) -> list[str]:
    """One example line fitted to `width`: whole if it fits, else folded between words, with a
    trailing ` \\` on every line but the last, and continuation lines indented."""
    if len(line) <= width:
        return [line]
    command, hash_mark, comment = line.partition("  #")
    words = _words(command.rstrip())
    lines, current = [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        room = width - len(CONTINUATION) - (len(CONTINUED_INDENT) if lines else 0)
        if current and len(candidate) > room:
            lines.append(current + CONTINUATION)
            current = word
        else:
            current = candidate
    lines.append(current)
    folded = [lines[0]] + [CONTINUED_INDENT + line for line in lines[1:]]
    if hash_mark:
        note = "  #" + comment
        if len(folded[-1]) + len(note) <= width:
            folded[-1] += note
        else:  # the comment on lines of its own, each a comment
            room = max(width - len(CONTINUED_INDENT) - 2, 10)
            folded += [CONTINUED_INDENT + "# " + part
                       for part in textwrap.wrap(comment.strip(), room)]
    return folded


def _words(command: str) -> list[str]:
    """The command's words as typed, quotes kept (a quoted expression is never split), an
    option kept with its value (`--lr 0.1` is folded as one)."""
    lexer = shlex.shlex(command, posix=False, punctuation_chars=False)
    lexer.whitespace_split = True
    words: list[str] = []
    for word in lexer:
        if words and words[-1].startswith("--") and " " not in words[-1] and \
                not word.startswith("-"):
            words[-1] += " " + word
        else:
            words.append(word)
    return words


def _columns() -> int:
    """The terminal's width: Click never formats below 50 columns, an example must fit less."""
    return shutil.get_terminal_size().columns - 1


def write_help_text(command, formatter) -> None:
    """Click's `format_help_text`, with examples kept whole (see the module's docstring)."""
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    if not text:
        return
    formatter.write_paragraph()
    with formatter.indentation():
        prose: list[str] = []
        for line in text.splitlines():
            if line.strip().startswith(EXAMPLE):
                if any(part.strip() for part in prose):
                    formatter.write_text("\n".join(prose))
                    formatter.write_paragraph()
                prose = []
                room = min(formatter.width, _columns()) - formatter.current_indent - 2
                for piece in fold_example(line.strip(), max(room, 20)):
                    formatter.write(" " * (formatter.current_indent + 2) + piece + "\n")
            else:
                prose.append(line)
        if any(part.strip() for part in prose):
            formatter.write_text("\n".join(prose))

"""The app object, the shared options, and the one place where errors become exit codes."""

from __future__ import annotations

import math
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterable
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from gradcli import __version__, interrupts
from gradcli.cli.completion import function_names
from gradcli.errors import ExitCode, GradcliError, InputError

HELP_OPTIONS = ["-h", "--help"]
MAX_COUNT_DIGITS = 18
OPTION_WORD = re.compile(r"--[A-Za-z][\w-]*(=.*)?", re.DOTALL)  # else, e.g. "--x**2", maths


def whole_number(text: str) -> int:
    """A count such as --steps: digits, or a float with no fractional part (1e4, 2.0)."""
    word = str(text).strip()
    if re.fullmatch(rf"[+-]?\d{{1,{MAX_COUNT_DIGITS}}}", word):
        return int(word)
    try:
        value = float(word)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value == int(value) and abs(value) < 10**MAX_COUNT_DIGITS:
        return int(value)
    raise typer.BadParameter(f"'{word}' is not an integer")


OPTIONAL_COUNTS = {"--explain": "3"}  # an option whose count may be left out, and its default


def optional_counts(command, args: list[str]) -> list[str]:
    """`--explain` alone means `--explain 3`: Click options take a value or none, not either."""
    if command is None or not any(word in OPTIONAL_COUNTS for word in args):
        return args
    known = {name for param in command.params if not getattr(param, "is_flag", True)
             for name in getattr(param, "opts", ())}
    out: list[str] = []
    for index, word in enumerate(args):
        out.append(word)
        following = args[index + 1] if index + 1 < len(args) else ""
        if word in OPTIONAL_COUNTS and word in known and not re.fullmatch(r"\d+", following):
            out.append(OPTIONAL_COUNTS[word])
    return out


def positionals_last(command, args: list[str]) -> list[str]:
    """Options first, then `--` and the positional arguments in their order.

    An expression may start with '-' ("-tanh(x)"); Click would read it as a cluster of short
    options (`-h` printing help, `-q` turning quiet). Every word that is neither a known option
    nor an option's value is positional, so it is moved behind `--`, where Click reads it as
    it is. Unknown long options (`--methods`) stay options, so Click reports them (and
    `usage.sentence` names the option meant).
    """
    if "--" in args:
        return args
    takes_value = {}
    for param in command.params:
        if param.param_type_name == "option":
            for name in (*param.opts, *param.secondary_opts):
                takes_value[name] = not (param.is_flag or param.count)
    takes_value.update(dict.fromkeys(HELP_OPTIONS, False))
    options, positional = [], []
    words = iter(args)
    for word in words:
        if word in takes_value:
            options.append(word)
            if takes_value[word]:
                value = next(words, None)
                if value is None:
                    from gradcli.cli.usage import EXAMPLES

                    raise InputError(f"{word} needs a value; for example "
                                     f"{EXAMPLES.get(word, word + ' 1')}.")
                options.append(value)
        elif OPTION_WORD.fullmatch(word):
            options.append(word)  # `--lr=0.1`, or an unknown option for Click to report
        else:
            positional.append(word)
    return [*options, "--", *positional] if positional else options


def take_colour(words: list[str]) -> list[str]:
    """Read `--color auto|always|never` wherever it stands (every command takes it) and
    return the other words. Rich is not imported here: the choice is kept for later."""
    from gradcli.render.colour import COLOR_CHOICES, choose_colour

    choice, rest = "auto", []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            rest += words[index:]
            break
        if word == "--color" or word.startswith("--color="):
            value = word.partition("=")[2] if "=" in word else \
                (words[index + 1] if index + 1 < len(words) else "")
            index += 1 if "=" in word else 2
            if value not in COLOR_CHOICES:
                raise InputError(f"--color takes auto, always or never, not '{value}'.")
            choice = value
            continue
        rest.append(word)
        index += 1
    choose_colour(choice)
    return rest


class _Command(TyperCommand):
    """A command whose help keeps each example whole (see `help_text`)."""

    def format_help_text(self, ctx, formatter) -> None:
        from gradcli.cli.help_text import write_help_text

        write_help_text(self, formatter)


class _App(typer.Typer):
    """Every command of the app is a `_Command`."""

    def command(self, *args, cls=None, **kwargs):
        return super().command(*args, cls=cls or _Command, **kwargs)


class _Commands(TyperGroup):
    """gradcli's command group: a command's expression may start with '-' (see above), and
    every usage error is one `error: …` sentence with exit code 2, whoever raised it."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        rest = optional_counts(command, rest)
        if command is not None and not ctx.resilient_parsing and any(
                p.param_type_name == "argument" for p in command.params):
            rest = positionals_last(command, rest)
        return name, command, rest

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        from gradcli.cli.channels import finish_output, output_failure, prepare_streams

        prepare_streams()
        # Overflow and invalid values are reported as statuses (diverged, domain_error); NumPy's
        # RuntimeWarning lines would only repeat them on stderr, half-explained.
        warnings.simplefilter("ignore", RuntimeWarning)
        words = list(sys.argv[1:] if args is None else args)
        from gradcli.render import jsonout

        jsonout.owed.set("--json" in words)
        interrupts.install()  # SIGTERM ends a command as Ctrl-C does: status interrupted, exit 130
        try:
            words = take_colour(words)
            code = super().main(args=words, prog_name=prog_name or "gradcli",
                                complete_var=complete_var, standalone_mode=False, **extra)
            finish_output()
        except OSError as error:  # --help or --version into a full disk or a closed pipe
            failure = output_failure(error)
            if failure is None:
                raise
            if failure[0]:
                report(failure[0])
            code = int(failure[1])
        except typer.TyperException as error:  # Click's usage errors
            from gradcli.cli.usage import sentence

            context = getattr(error, "ctx", None)
            command = context.command if context is not None else self
            name = context.info_name if context is not None else None
            report(sentence(error, command, name, words))
            code = int(ExitCode.BAD_INPUT)
        except GradcliError as error:  # raised while reading the words (positionals_last)
            report(str(error))
            code = int(error.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            code = interrupted()
        code = code if isinstance(code, int) else 0
        if interrupts.pending():  # noted where no command body ran (help, a usage error)
            code = interrupted()
        if standalone_mode:
            sys.exit(code)
        return code


app = _App(
    cls=_Commands,
    name="gradcli",
    help="Explore optimization from the terminal: exact gradients and Hessians, gradient descent "
    "and its relatives, as tables and plots for people and as JSON, CSV or bare numbers for "
    "programs.\n\nExample:  gradcli descend \"x**2+y**2\" --start 1,2 --lr 0.1",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    # help uses the terminal's whole width (Click's default stops at 80 columns)
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 10_000},
)

MAX_STDIN = 100_000


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gradcli {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    color: Annotated[str, typer.Option(
        "--color", metavar="WHEN",
        help="auto, always or never: colour in tables and plots (auto: on a terminal only, "
             "not with NO_COLOR or TERM=dumb; always: also into a pipe, e.g. | less -R). "
             "Every command takes it.")] = "auto",
) -> None:
    """Explore optimization from the terminal.

    `--color` is listed here for --help; `take_colour` reads it from every command's words
    before Click parses them, so `color` always arrives with its default.
    """


Expression = Annotated[str, typer.Argument(
    metavar="EXPR", help="The function, e.g. \"x**2+y**2\", or a library name; '-' reads it "
                         "from stdin.", show_default=False, autocompletion=function_names)]
Variables = Annotated[str | None, typer.Option(
    "--vars", help="Variable order, e.g. y,x (default: natural sort of the names used).")]
Dim = Annotated[int | None, typer.Option(
    "--dim", parser=whole_number, metavar="N", show_default=False,
    help="The length n of vectors such as x[i] (x[1] … x[n]); a library vector function has "
         "a default.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else.")]


def expression_text(argument: str) -> str:
    """The expression argument, or stdin when it is '-'."""
    if argument != "-":
        return argument
    if sys.stdin is None or sys.stdin.closed:
        raise InputError("'-' reads the expression from stdin, but stdin is closed; give the "
                         "expression as an argument.")
    with interrupts.raising():  # a read that waits on a terminal must end at Ctrl-C
        text = sys.stdin.read(MAX_STDIN + 1)
    if len(text) > MAX_STDIN:
        raise InputError(f"stdin holds more than {MAX_STDIN} characters; give one expression.")
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        raise InputError(f"stdin holds {len(lines)} lines; gradcli reads one expression per "
                         "input: give one line (join the parts with + or *).")
    return text.strip()


def report(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")


def status_on_stderr(status: str, message: str, *, machine: bool, success: bool) -> None:
    """For programs (JSON, CSV, bare numbers), a run that did not succeed also says why on
    stderr, in one line, so stdout stays data; people read it in the table."""
    if machine and not success:
        sys.stderr.write(f"{status}: {message}\n")


def interrupted() -> int:
    """Ctrl-C (or SIGTERM) outside a loop that keeps its work: one line on stderr and, when
    JSON was asked for and none was written yet, one JSON object saying so, so a program
    reading stdout is not left with nothing to parse."""
    from gradcli.render import jsonout

    interrupts.consume()
    report("interrupted.")
    if jsonout.owed.get():
        jsonout.emit({"status": "interrupted",
                      "message": "Interrupted before any result was ready."})
    return int(ExitCode.INTERRUPTED)


def batch_code(statuses: Iterable[str], otherwise: int = 0) -> int:
    """The exit code of a command that ran several runs together: 130 when Ctrl-C stopped them
    (they stop together; one line on stderr says so), else `otherwise`."""
    if "interrupted" not in set(statuses):
        return otherwise
    sys.stderr.write(f"interrupted: Interrupted ({interrupts.cause()}); the runs so far are "
                     "kept.\n")
    return int(ExitCode.INTERRUPTED)


def run(action: Callable[[], ExitCode | None]) -> None:
    """Run a command body; every failure becomes one stderr sentence and a documented exit code.

    One time budget covers the whole command (its numeric loops pause it), so no input can make
    parsing, differentiating, solving and evaluating together run past it.
    """
    from gradcli.cli.channels import finish_output, output_failure
    from gradcli.symbolic import budget

    task = "this command's symbolic work"
    code: ExitCode | int | None = None
    finished = False
    try:
        try:
            with budget.time_budget(task, interruptible=False):
                interrupts.check()  # a Ctrl-C noted while the command was being set up
                code = action()
                finished = True
                if interrupts.pending():  # noted after the last loop, while the result was shown
                    code = interrupted()
        except budget.Expired:  # the alarm landed as the budget was closing
            if not finished:
                raise budget.timeout(task, budget.budget_seconds()) from None
        finally:
            budget.end_all()
        finish_output()
    except GradcliError as error:
        report(str(error))
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        raise typer.Exit(interrupted()) from None
    except OSError as error:  # `| head` went away (quietly, as shell tools do), or a full disk
        failure = output_failure(error)
        if failure is None:
            _internal_error(error)
        if failure[0]:
            report(failure[0])
        raise typer.Exit(int(failure[1])) from None
    except Exception as error:  # a bug: say so plainly, with details only on request
        _internal_error(error)
    raise typer.Exit(int(code or ExitCode.OK))


def _internal_error(error: Exception) -> None:
    if os.environ.get("GRADCLI_DEBUG"):
        traceback.print_exc()
    report(f"internal error ({type(error).__name__}: {error}); please report it "
           "(set GRADCLI_DEBUG=1 for details).")
    raise typer.Exit(int(ExitCode.BUG)) from None

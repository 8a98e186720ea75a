"""Usage mistakes as gradcli's own one-line sentences, each naming the fix.

Typer (through its bundled Click) reports a usage error as a four-line box; `sentence` turns
every such error into one `error: …` line: the closest option for an unknown one, quoting for an
expression split by the shell, a decimal point for `--lr 0,1`, and so on.
"""

from __future__ import annotations

import difflib
import re

# Words people bring from elsewhere, and what gradcli calls them.
OPTION_SYNONYMS = {
    "--learning-rate": "--lr", "--learningrate": "--lr", "--rate": "--lr", "--eta": "--lr",
    "--alpha": "--lr", "--step-size": "--lr", "--stepsize": "--lr", "--iterations": "--steps",
    "--iters": "--steps", "--max-iter": "--steps", "--maxiter": "--steps", "--epochs": "--steps",
    "--x0": "--start", "--init": "--start", "--point": "--at", "--optimizer": "--method",
    "--variables": "--vars", "--dimension": "--dim", "--n": "--dim", "--tolerance": "--tol",
    "--colour": "--color",
}
EXAMPLES = {"--at": "--at 1,2", "--start": "--start 1,2", "--lr": "--lr 0.1",
            "--dir": "--dir 1,1", "--box": "--box -5:5", "--steps": "--steps 1000",
            "--methods": "--methods gd,adam", "--method": "--method adam", "--dim": "--dim 100",
            "--vars": "--vars x,y", "--step": "--step 0.1", "--schedule": "--schedule exp:0.99"}


def option_names(command) -> list[str]:
    names = []
    for param in getattr(command, "params", []):
        if param.param_type_name == "option":
            names += [name for name in (*param.opts, *param.secondary_opts)
                      if name.startswith("--")]
    return names


def closest_option(word: str, command) -> str | None:
    """The option meant by an unknown one: a known synonym, else the nearest spelling."""
    known = option_names(command)
    name = word.split("=", 1)[0]
    if OPTION_SYNONYMS.get(name) in known:
        return OPTION_SYNONYMS[name]
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if near:
        return near[0]
    return max(known, key=lambda k: difflib.SequenceMatcher(None, name, k).ratio(),
               default=None)


def unknown_option(word: str, command, command_name: str) -> str:
    name = word.split("=", 1)[0]
    best = closest_option(word, command)
    hint = f"; did you mean {best}" if best else ""
    if name == "--methods" and command_name == "descend":
        hint += " (or gradcli compare, which runs several methods)"
    return f"no such option {name} for {command_name}{hint}?" if best else \
        f"no such option {name} for {command_name}; see gradcli {command_name} --help."


def bad_value(option: str, value: str, kind: str) -> str:
    """`--lr abc`, `--lr 0,1`, `--steps 1.5`: what the option takes, and how to write it."""
    example = EXAMPLES.get(option, f"{option} 1")
    if kind == "number" and re.fullmatch(r"-?\d+,\d+", value.strip()):
        return (f"{option} takes a number with a decimal point, not a comma: write "
                f"{option} {value.strip().replace(',', '.')}.")
    what = "a whole number" if kind == "integer" else "a number"
    return f"{option} takes {what}, not '{value}'; for example {example}."


def sentence(error, command, command_name: str | None, args: list[str]) -> str:
    """One line for a Click usage error (without the `error: ` prefix)."""
    kind = type(error).__name__
    message = error.format_message()
    param = getattr(error, "param", None)
    option = None
    if param is not None and getattr(param, "opts", None):
        option = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    if kind == "NoSuchOption":
        return unknown_option(error.option_name, command, command_name or "gradcli")
    if kind == "MissingParameter" and option and param.param_type_name == "option":
        return f"{option} is required; for example {EXAMPLES.get(option, option + ' …')}."
    if kind == "MissingParameter":
        return (f"gradcli {command_name} needs a function; give one in quotes, such as "
                f"gradcli {command_name} \"x**2 + y**2\".")
    if kind == "BadOptionUsage" and "requires an argument" in message:
        name = getattr(error, "option_name", None) or message.split("'")[1]
        return f"{name} needs a value; for example {EXAMPLES.get(name, name + ' 1')}."
    if kind == "BadParameter" and option:
        value = _offending(args, param.opts)
        return bad_value(option, value, "integer" if "integer" in message else "number")
    if "unexpected extra argument" in message:
        return _extra_arguments(command, command_name, args)
    if kind == "UsageError" and "No such command" in message:
        return _no_such_command(message, command_name)
    return message.rstrip(".") + "."


def _extra_arguments(command, command_name: str | None, args: list[str]) -> str:
    """More words than the command takes: a value given to a switch (`--accumulate 4`), or an
    expression the shell split at its spaces (`x **2`)."""
    flags, valued = set(), set()
    for param in getattr(command, "params", []):
        if param.param_type_name == "option":
            names = {*param.opts, *param.secondary_opts}
            (flags if param.is_flag or param.count else valued).update(names)
    pieces, after_flag = [], None
    words = iter(enumerate(args[1:]))
    for _, word in words:
        name = word.split("=", 1)[0]
        if name in valued and "=" not in word:
            next(words, None)  # the option's value
        elif not word.startswith("-") or word == "-":
            pieces.append(word)
            if after_flag is not None and len(pieces) > 1:
                return (f"{after_flag} is a switch and takes no value; remove '{word}' "
                        f"(see gradcli {command_name} --help).")
        after_flag = name if name in flags else None
    return (f"the function arrived in pieces ({', '.join(pieces)}): the shell splits unquoted "
            "text at spaces; put the function in quotes, such as "
            f"gradcli {command_name or 'grad'} \"{' '.join(pieces)}\".")


def _offending(args: list[str], opts: list[str]) -> str:
    """The value the user gave to an option (`--lr abc` or `--lr=abc`)."""
    for index, word in enumerate(args):
        if word in opts and index + 1 < len(args):
            return args[index + 1]
        for name in opts:
            if word.startswith(name + "="):
                return word[len(name) + 1:]
    return ""


def _in_library(word: str) -> bool:
    """Is there a usable function file of this name? A hint must never fail: a file that
    cannot be read (broken, slow) counts as none."""
    from gradcli import library
    from gradcli.errors import GradcliError

    try:
        return library.find(word) is not None
    except GradcliError:
        return False


def _no_such_command(message: str, group: str | None) -> str:
    found = re.search(r"No such command '([^']*)'", message)
    word = found.group(1) if found else ""
    if group == "functions" and _in_library(word):
        return f"no such command 'functions {word}'; did you mean gradcli functions show {word}?"
    near = re.search(r"Did you mean (.*)\?", message)
    hint = f"; did you mean {near.group(1).replace(chr(39), '')}?" if near else \
        "; see gradcli --help."
    return f"no such command '{word}'{hint}"

"""Untrusted text -> SymPy expression through an AST whitelist.

The text is parsed by Python's `ast` module (which never runs it); every node is checked against a
small whitelist and the SymPy tree is built here, node by node, so no user text ever reaches
`eval`, `sympify` or `parse_expr`. Limits on size, depth, literals and constant powers are checked
before SymPy evaluates anything, so no input can hang or exhaust memory.
"""

from __future__ import annotations

import ast
import keyword
import re
import unicodedata
import warnings
from collections.abc import Iterable
from typing import NamedTuple

import sympy as sp

from gradcli.errors import InputError
from gradcli.symbolic.constants import BadConstant, estimate_constants
from gradcli.symbolic.real_functions import RealAbs, RealCbrt, RealSign

MAX_LENGTH = 2000
MAX_NODES = 1000
MAX_DEPTH = 60
MAX_INT_DIGITS = 30
MAX_DECIMAL_EXPONENT = 300
MAX_POWER_EXPONENT = 1000
MAX_NAME_LENGTH = 40


def _log(*args: sp.Expr) -> sp.Expr:
    return sp.log(*args)


def _sigmoid(x: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-x))


def _relu(x: sp.Expr) -> sp.Expr:
    return sp.Max(0, x)


def _softplus(x: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(x))


# name -> (builder, fewest arguments, most arguments)
FUNCTIONS: dict[str, tuple] = {
    "sin": (sp.sin, 1, 1),
    "cos": (sp.cos, 1, 1),
    "tan": (sp.tan, 1, 1),
    "asin": (sp.asin, 1, 1),
    "acos": (sp.acos, 1, 1),
    "atan": (sp.atan, 1, 1),
    "atan2": (sp.atan2, 2, 2),
    "sinh": (sp.sinh, 1, 1),
    "cosh": (sp.cosh, 1, 1),
    "tanh": (sp.tanh, 1, 1),
    "asinh": (sp.asinh, 1, 1),
    "acosh": (sp.acosh, 1, 1),
    "atanh": (sp.atanh, 1, 1),
    "exp": (sp.exp, 1, 1),
    "log": (_log, 1, 2),
    "sqrt": (sp.sqrt, 1, 1),
    "cbrt": (RealCbrt, 1, 1),
    "abs": (RealAbs, 1, 1),
    "sign": (RealSign, 1, 1),
    "min": (sp.Min, 2, 16),
    "max": (sp.Max, 2, 16),
    # the activations of machine learning, written out as their formulas
    "sigmoid": (_sigmoid, 1, 1),
    "relu": (_relu, 1, 1),
    "softplus": (_softplus, 1, 1),
}
# Names people bring from other notations, and what to write in gradcli.
OTHER_NAMES = {"ln": "log(…) (the natural logarithm)", "log10": "log(…, 10)",
               "log2": "log(…, 2)", "arcsin": "asin(…)", "arccos": "acos(…)",
               "arctan": "atan(…)", "arctan2": "atan2(y, x)", "arcsinh": "asinh(…)",
               "arccosh": "acosh(…)", "arctanh": "atanh(…)", "sqr": "(…)**2", "pow": "a**b",
               "power": "a**b", "fabs": "abs(…)", "exp2": "2**(…)", "expm1": "exp(…) - 1",
               "log1p": "log(1 + …)", "heaviside": "(1 + sign(…))/2"}
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E, "e": sp.E}
KNOWN_FUNCTIONS = ", ".join(sorted(FUNCTIONS))

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))
_LOOKALIKES = {"·": "*", "×": "*", "∙": "*", "−": "-", "–": "-", "÷": "/"}
_SPELLED = {"π": "pi"}  # characters read as the name they stand for


DIMENSION = sp.Symbol("n", integer=True, positive=True)  # the length of every vector


class ParsedText(NamedTuple):
    """The SymPy components of one text and the variable names it mentions, in text order.

    `vectors` are the names used with a subscript (`x[i+1]`): their entries appear as
    `sp.Indexed`, sums as `sp.Sum` over 1-based indices, and `n` (DIMENSION) is their length.
    """

    components: tuple[sp.Expr, ...]
    names: tuple[str, ...]
    vectors: tuple[str, ...] = ()


def _fail(what: str, column: int | None, hint: str) -> InputError:
    where = f" at column {column}" if column is not None else ""
    return InputError(f"{what}{where}; {hint}.")


def _check_characters(text: str) -> None:
    """Reject non-ASCII look-alikes and `!` before Python's tokenizer sees them."""
    for index, char in enumerate(text):
        column = index + 1
        if char in _SUPERSCRIPTS:
            power = _SUPERSCRIPTS[char]
            raise _fail(f"superscript '{char}'", column, f"write **{power} for powers")
        if char in _LOOKALIKES:
            raise _fail(f"character '{char}'", column, f"write '{_LOOKALIKES[char]}' instead")
        if char == "|":
            raise _fail("'|'", column, "write abs(x) for the absolute value |x|")
        if char in _SPELLED:
            continue
        if not char.isascii():
            plain = unicodedata.normalize("NFKC", char)
            hint = f"write the plain letter '{plain}'" if plain.isascii() and plain.isprintable() \
                else "use plain ASCII letters, digits and + - * / ^ ( ) ,"
            raise _fail(f"non-ASCII character '{char}' (U+{ord(char):04X})", column, hint)
        if char == "#":
            raise _fail("'#' is not allowed", column,
                        "gradcli expressions have no comments; remove it and what follows")
        if char == "!":
            raise _fail("'!' (factorial or not) is not supported", column,
                        "gradcli knows + - * / ** and functions such as exp, log, sqrt")
        if not char.isprintable() and char not in " \t\n":
            raise _fail(f"control character U+{ord(char):04X}", column, "remove it")


_CHAINED = (ast.Add, ast.Sub, ast.Mult)
_DECIMAL = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_UNDEFINED = (sp.zoo, sp.nan, sp.oo, -sp.oo)
_IMPLICIT_PRODUCT = re.compile(r"(?<![\w.])(\d+\.?\d*)(?![eE][+-]?\d)([A-Za-z_]\w*|\()")


def _syntax_error(error: SyntaxError, text: str, columns: list[int]) -> InputError:
    """Turn Python's SyntaxError into one sentence about the user's text."""
    implicit = _IMPLICIT_PRODUCT.search(text)
    if implicit:
        number, after = implicit.groups()
        written = text[implicit.start(): implicit.end()]
        return _fail(f"implicit multiplication '{written}'", columns[implicit.start()],
                     f"write {number}*{after}" + ("…" if after == "(" else ""))
    applied = re.search(r"(?<![\w.])([A-Za-z_]\w*|\d[\d.]*)[ \t]+([A-Za-z_]\w*|\d[\w.]*|\()",
                        text)
    if applied and applied.group(1) in FUNCTIONS:
        name, argument = applied.groups()
        return _fail(f"'{name}' without parentheses", columns[applied.start()],
                     f"write {name}({argument if argument != '(' else '…'})")
    if applied and not keyword.iskeyword(applied.group(1)) and \
            not keyword.iskeyword(applied.group(2)):
        left, right = applied.groups()
        return _fail(f"implicit multiplication '{left} {right}'", columns[applied.start()],
                     f"write {left}*{right}")
    ending = re.search(r"(\*\*|[-+*/,(])\s*$", text)
    if ending:
        return _fail(f"the expression ends with '{ending.group(1)}'", columns[ending.start(1)],
                     "add what should follow it")
    for word in re.findall(r"[A-Za-z_]\w*", text):
        if keyword.iskeyword(word):
            return _fail(f"'{word}' is a Python keyword, not a variable or function",
                         columns[text.index(word)], "rename it, for example to " + word + "_")
    offset = max(1, min(error.offset or 1, len(columns)))
    column = columns[offset - 1]
    message = (error.msg or "").lower()
    if "never closed" in message:
        return _fail("parenthesis is never closed", column, "add the missing ')'")
    if "unmatched" in message:
        return _fail("unmatched ')'", column, "remove it or add the missing '('")
    return _fail("invalid syntax", column,
                 "check for a missing operator (write 2*x, not 2x) or a stray character")


def _normalise(text: str) -> tuple[str, list[int]]:
    """Rewrite `^` as `**` (power, never XOR) and keep each character's original 1-based column."""
    out: list[str] = []
    columns: list[int] = []
    for index, char in enumerate(text):
        if char == "^":
            out.append("**")
            columns += [index + 1, index + 1]
        elif char in _SPELLED:
            word = _SPELLED[char]
            before = out[-1][-1:] if out else ""
            out.append((" " if before.isalpha() or before == "_" else "") + word)
            columns += [index + 1] * len(out[-1])
        else:
            out.append(char)
            columns.append(index + 1)
    columns.append(len(text) + 1)
    return "".join(out), columns


def _parse_ast(text: str) -> tuple[ast.expr, list[int], str]:
    if not text.strip():
        raise InputError("the expression is empty; give a function such as \"x**2 + y**2\".")
    if len(text) > MAX_LENGTH:
        raise InputError(f"the expression is {len(text)} characters long; the limit is "
                         f"{MAX_LENGTH}, split it or simplify it.")
    _check_characters(text)
    source, columns = _normalise(text.strip())
    shift = len(text) - len(text.lstrip())
    columns = [column + shift for column in columns]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(error, source, columns) from None
    except (ValueError, RecursionError, MemoryError):
        raise InputError("the expression is too deeply nested or malformed; simplify it.") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise InputError(f"the expression has {nodes} syntax nodes; the limit is {MAX_NODES}, "
                         "simplify it.")
    return tree.body, columns, source


_NODE_NAMES = {
    ast.Attribute: ("attribute access", "gradcli expressions have no attributes"),
    ast.Lambda: ("lambda", "write the function itself, such as x**2 + y**2"),
    ast.ListComp: ("comprehension", "write the expression out"),
    ast.SetComp: ("comprehension", "write the expression out"),
    ast.DictComp: ("comprehension", "write the expression out"),
    ast.GeneratorExp: ("comprehension", "write the expression out"),
    ast.Compare: ("comparison", "gradcli functions are real-valued; remove the comparison"),
    ast.BoolOp: ("logical operator", "gradcli functions are real-valued"),
    ast.IfExp: ("conditional expression", "use abs, sign, min or max for piecewise functions"),
    ast.NamedExpr: ("assignment", "write the expression only"),
    ast.List: ("list", "write a single expression"),
    ast.Set: ("set", "write a single expression"),
    ast.Dict: ("dict", "write a single expression"),
    ast.JoinedStr: ("string", "write a mathematical expression"),
    ast.Starred: ("starred expression", "write the arguments out"),
    ast.Await: ("await", "write a mathematical expression"),
    ast.Yield: ("yield", "write a mathematical expression"),
    ast.YieldFrom: ("yield", "write a mathematical expression"),
}
_OPERATORS = {
    ast.FloorDiv: ("'//' (floor division)", "use '/' for division"),
    ast.Mod: ("'%' (remainder)", "gradcli has no remainder; use '/' for division"),
    ast.BitAnd: ("bit operator '&'", "gradcli has no bit operators"),
    ast.BitOr: ("bit operator '|'", "gradcli has no bit operators"),
    ast.LShift: ("bit operator '<<'", "gradcli has no bit operators"),
    ast.RShift: ("bit operator '>>'", "gradcli has no bit operators"),
    ast.MatMult: ("operator '@'", "use '*' for multiplication"),
    ast.Invert: ("bit operator '~'", "use '-' for negation"),
    ast.Not: ("'not'", "gradcli functions are real-valued"),
}


class _Builder:
    """Builds the SymPy tree from a whitelisted AST, collecting variable names in text order."""

    def __init__(self, columns: list[int], source: str, constants: dict, data: frozenset[str]):
        self.columns = columns
        self.source = source
        self.data = data  # names that are data columns, even where they spell a constant
        self.constants = constants  # id(node) -> float, for the constant subtrees
        self.names: dict[str, sp.Symbol] = {}
        self.vectors: dict[str, sp.IndexedBase] = {}
        self.summing: sp.Symbol | None = None  # the index of the sum being built
        self.indices: dict[str, int] = {}  # every summation index name, and its column

    def column(self, node: ast.AST) -> int:
        offset = getattr(node, "col_offset", 0)
        return self.columns[min(offset, len(self.columns) - 1)]

    def build(self, node: ast.expr, depth: int = 0) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise _fail("the expression is nested too deeply", self.column(node),
                        f"the limit is {MAX_DEPTH} levels")
        if isinstance(node, ast.BinOp):
            return self._defined(self._binary(node, depth), node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, depth)
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "sum":
                return self._sum(node, depth)
            return self._defined(self._call(node, depth), node)
        if isinstance(node, ast.Subscript):
            return self._entry(node)
        if isinstance(node, ast.Tuple):
            raise _fail("unexpected ','", self.column(node),
                        "one function only here; use 'gradcli jacobian' for several")
        what, hint = _NODE_NAMES.get(type(node), (type(node).__name__, "it is not supported"))
        raise _fail(f"{what} is not allowed", self.column(node), hint)

    def _defined(self, expr: sp.Expr, node: ast.AST) -> sp.Expr:
        """Refuse the first node whose value is undefined everywhere (1/0, 0/0, log(0), 0**-1):
        SymPy would carry it along as zoo or nan and every derivative would be meaningless."""
        if expr.has(*_UNDEFINED):
            segment = ast.get_source_segment(self.source, node) or "this part"
            raise _fail(f"'{segment}' is undefined (division by zero or a pole)",
                        self.column(node), "remove it or change the constant")
        return expr

    def _operator(self, op: ast.AST, node: ast.AST) -> None:
        if type(op) in _OPERATORS:
            what, hint = _OPERATORS[type(op)]
            raise _fail(f"{what} is not allowed", self.column(node), hint)

    def _binary(self, node: ast.BinOp, depth: int) -> sp.Expr:
        self._operator(node.op, node)
        if isinstance(node.op, ast.BitXor):  # only reachable through '^' inside '**' rewriting
            raise _fail("operator '^' is ambiguous here", self.column(node), "write **")
        if isinstance(node.op, _CHAINED):
            return self._chain(node, depth)
        left = self.build(node.left, depth + 1)
        right = self.build(node.right, depth + 1)
        if isinstance(node.op, ast.Div):
            return left / right
        return self._power(left, right, node)

    def _chain(self, node: ast.BinOp, depth: int) -> sp.Expr:
        """`a + b - c + …` or `a * b * …`: a flat chain is one level deep, however long."""
        kind = ast.Mult if isinstance(node.op, ast.Mult) else (ast.Add, ast.Sub)
        spine: list[tuple[ast.AST, ast.expr]] = []
        head: ast.expr = node
        while isinstance(head, ast.BinOp) and isinstance(head.op, kind):
            spine.append((head.op, head.right))
            head = head.left
        result = self.build(head, depth + 1)
        for op, operand in reversed(spine):
            term = self.build(operand, depth + 1)
            if isinstance(op, ast.Add):
                result = result + term
            elif isinstance(op, ast.Sub):
                result = result - term
            else:
                result = result * term
        return result

    def _power(self, base: sp.Expr, exponent: sp.Expr, node: ast.BinOp) -> sp.Expr:
        size = self.constants.get(id(node.right))
        if size is not None and abs(size) > MAX_POWER_EXPONENT:
            raise _fail("exponent too large", self.column(node),
                        f"exponents are limited to ±{MAX_POWER_EXPONENT}")
        value = self.constants.get(id(node.left))
        if value is not None and value < 0 and size is None:
            segment = ast.get_source_segment(self.source, node) or "the power"
            raise _fail(f"'{segment}' raises a negative number to a variable power, which is "
                        "not real between whole numbers", self.column(node),
                        "gradcli works with real functions (write, say, 2**x*cos(pi*x))")
        return sp.Pow(base, exponent)

    def _unary(self, node: ast.UnaryOp, depth: int) -> sp.Expr:
        self._operator(node.op, node)
        operand = self.build(node.operand, depth + 1)
        return -operand if isinstance(node.op, ast.USub) else operand

    def _number(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        column = self.column(node)
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise _fail(f"'{value}' is not a number", column, "use numbers and variables")
        if isinstance(value, str | bytes):
            raise _fail("strings are not allowed", column, "write a mathematical expression")
        if isinstance(value, complex):
            raise _fail("imaginary numbers are not supported", column,
                        "gradcli works with real functions")
        literal = ast.get_source_segment(self.source, node) or repr(value)
        if not _DECIMAL.fullmatch(literal):
            raise _fail(f"number '{literal}' is not written in plain decimal digits", column,
                        "write numbers such as 16, 0.5 or 1e-3 (no 0x, 0o, 0b or '_')")
        if isinstance(value, int):
            digits = len(literal.lstrip("0")) if literal.isdigit() else len(str(abs(value)))
            if digits > MAX_INT_DIGITS:
                raise _fail(f"number with {digits} digits", column,
                            f"integer literals are limited to {MAX_INT_DIGITS} digits")
            return sp.Integer(value)
        exponent = re.search(r"[eE]([+-]?\d+)$", literal)
        if exponent and abs(int(exponent.group(1))) > MAX_DECIMAL_EXPONENT:
            raise _fail(f"number '{literal}' is out of range", column,
                        f"exponents are limited to ±{MAX_DECIMAL_EXPONENT}")
        return sp.Rational(literal)

    def _name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        column = self.column(node)
        if name in CONSTANTS and name not in self.data:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise _fail(f"function '{name}' is used without parentheses", column,
                        f"write {name}(…)")
        if name not in self.data:
            check_variable_name(name, column)
        if name in self.vectors:
            raise _fail(f"'{name}' is a vector (used as {name}[…]) but appears here without a "
                        "subscript", column, f"write one entry, such as {name}[1], or sum over "
                        f"them: sum({name}[i], (i, 1, n))")
        if self.summing is not None and name == str(self.summing):
            return self.summing
        if name not in self.names:
            self.names[name] = sp.Symbol(name, real=True)
        return self.names[name]

    def _entry(self, node: ast.Subscript) -> sp.Expr:
        """`x[i+1]`: one entry of the vector x (1-based, as in mathematics)."""
        column = self.column(node)
        if not isinstance(node.value, ast.Name):
            raise _fail("only a named vector can take a subscript", column,
                        "write x[i] with a plain name before the brackets")
        name = node.value.id
        check_variable_name(name, column)
        if name in self.names:
            raise _fail(f"'{name}' is used both as a scalar and as a vector ({name}[…])", column,
                        "give the scalar and the vector different names")
        if isinstance(node.slice, ast.Slice):
            raise _fail(f"slice in {name}[…]", column, f"index one entry, such as {name}[i]")
        index = self._index(node.slice, allow_sum_index=True)
        if name not in self.vectors:
            self.vectors[name] = sp.IndexedBase(name, real=True)
        return self.vectors[name][index]

    def _index(self, node: ast.expr, allow_sum_index: bool) -> sp.Expr:
        """An index or a bound: whole numbers, `n`, the summation index, with + and −."""
        column = self.column(node)
        segment = ast.get_source_segment(self.source, node) or "the index"
        hint = ("indices are whole numbers, n and the summation index with + and -, "
                "such as i+1, n-1 or 2")

        def build(part: ast.expr) -> sp.Expr:
            if isinstance(part, ast.Constant) and type(part.value) is int:
                literal = ast.get_source_segment(self.source, part) or ""
                if not literal.isdigit() or len(literal) > MAX_INT_DIGITS:
                    raise _fail(f"index '{segment}' is not a plain whole number", column, hint)
                return sp.Integer(part.value)
            if isinstance(part, ast.Name):
                if part.id == "n":
                    return DIMENSION
                if allow_sum_index and self.summing is not None and part.id == str(self.summing):
                    return self.summing
                where = "outside a sum" if self.summing is None else "here"
                raise _fail(f"index '{segment}' uses '{part.id}', which is not n or a summation "
                            f"index {where}", column, hint)
            if isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add | ast.Sub):
                left, right = build(part.left), build(part.right)
                return left + right if isinstance(part.op, ast.Add) else left - right
            if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.USub | ast.UAdd):
                inner = build(part.operand)
                return -inner if isinstance(part.op, ast.USub) else inner
            raise _fail(f"index '{segment}' is not allowed", column, hint)

        index = sp.expand(build(node))
        for symbol in (DIMENSION, self.summing):
            if symbol is not None and index.coeff(symbol) not in (0, 1):
                raise _fail(f"index '{segment}' has {symbol} with a coefficient other than 1",
                            column, hint)
        return index

    def _sum(self, node: ast.Call, depth: int) -> sp.Expr:
        """`sum(TERM, (i, LO, HI))`: Σ_{i=LO}^{HI} TERM, bounds inclusive and in n."""
        column = self.column(node)
        usage = "write sum(TERM, (i, LO, HI)), such as sum(x[i]**2, (i, 1, n))"
        if node.keywords or len(node.args) != 2:
            raise _fail("'sum' takes a term and a range", column, usage)
        term, bounds = node.args
        if not isinstance(bounds, ast.Tuple) or len(bounds.elts) != 3:
            raise _fail("the range of 'sum' is not (i, LO, HI)", self.column(bounds), usage)
        index_node, low_node, high_node = bounds.elts
        if not isinstance(index_node, ast.Name):
            raise _fail("the summation index is not a name", self.column(index_node), usage)
        name = index_node.id
        check_variable_name(name, self.column(index_node))
        if self.summing is not None:
            raise _fail("a sum inside a sum is not supported", column,
                        "write the inner sum's terms out, or one sum over a single index")
        if name == "n" or name in self.names or name in self.vectors:
            raise _fail(f"the summation index '{name}' is already a variable or the "
                        "dimension", self.column(index_node), "choose another name, such as i")
        low = self._index(low_node, allow_sum_index=False)
        high = self._index(high_node, allow_sum_index=False)
        self.indices.setdefault(name, self.column(index_node))
        self.summing = sp.Symbol(name, integer=True)
        try:
            summand = self.build(term, depth + 1)
        finally:
            index, self.summing = self.summing, None
        return sp.Sum(summand, (index, low, high))

    def _call(self, node: ast.Call, depth: int) -> sp.Expr:
        column = self.column(node)
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise _fail("attribute access is not allowed", column,
                            "gradcli expressions have no attributes")
            raise _fail("implicit multiplication before '('", column, "write *( … ) explicitly")
        name = node.func.id
        if name in OTHER_NAMES:
            raise _fail(f"unknown function '{name}'", column, f"write {OTHER_NAMES[name]}")
        if name not in FUNCTIONS and name.lower() in FUNCTIONS:
            raise _fail(f"unknown function '{name}'", column,
                        f"function names are lower case: write {name.lower()}(…)")
        if name not in FUNCTIONS:
            product = "" if name.startswith("_") else f"; for a product write {name}*(…)"
            raise _fail(f"unknown function '{name}'", column,
                        f"known functions: {KNOWN_FUNCTIONS}{product}")
        if node.keywords:
            raise _fail(f"keyword arguments in '{name}(…)'", column, "pass arguments by position")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise _fail(f"starred argument in '{name}(…)'", column, "write the arguments out")
        builder, fewest, most = FUNCTIONS[name]
        count = len(node.args)
        if not fewest <= count <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise _fail(f"'{name}' takes {wanted} argument{'s' if most > 1 else ''}, "
                        f"not {count}", column, f"for example {_EXAMPLES.get(name, name + '(x)')}")
        arguments = [self.build(arg, depth + 1) for arg in node.args]
        try:
            return builder(*arguments)
        except ValueError:  # min/max of a constant that is not real ("not comparable")
            segment = ast.get_source_segment(self.source, node) or name
            raise _fail(f"'{segment}' compares a value that is not real", column,
                        "min and max need real arguments (gradcli works with real "
                        "functions)") from None


_EXAMPLES = {"atan2": "atan2(y, x)", "log": "log(x) or log(x, 10)", "min": "min(x, y)",
             "max": "max(x, y)"}


def check_variable_name(name: str, column: int | None = None) -> None:
    """A variable is an ASCII identifier that is not private, not too long, not a keyword."""
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name):
        raise _fail(f"'{name}' is not a valid variable name", column,
                    "use letters, digits and '_', starting with a letter")
    if name.startswith("_"):
        raise _fail(f"name '{name}' starts with '_'", column, "start variable names with a letter")
    if len(name) > MAX_NAME_LENGTH:
        raise _fail(f"name '{name[:12]}…' is too long", column,
                    f"variable names are limited to {MAX_NAME_LENGTH} characters")
    if name in FUNCTIONS or name in CONSTANTS:
        raise _fail(f"'{name}' is a function or constant, not a variable", column,
                    "choose another name")


def _checked_constants(body: ast.expr, columns: list[int], source: str,
                       data: frozenset[str]) -> dict:
    """The value of every constant part; refuse one too large or not real."""
    try:
        return estimate_constants(body, data)
    except BadConstant as bad:
        segment = ast.get_source_segment(source, bad.node) or "a constant"
        column = columns[min(getattr(bad.node, "col_offset", 0), len(columns) - 1)]
        if bad.reason == "large":
            raise _fail(f"the constant '{segment}' is too large", column,
                        "constants are limited to about 1e300") from None
        raise _fail(f"the constant '{segment}' is not a real number", column,
                    "gradcli works with real functions (cbrt(-8) is the real cube root)") from None


def parse(text: str, *, several: bool = False, data: frozenset[str] = frozenset()) -> ParsedText:
    """Parse one expression (or, with `several`, comma-separated components) safely.

    `data` names the columns of a data set: a column called `e` or `pi` is that column, not
    the constant, since the model was written against the data."""
    body, columns, source = _parse_ast(text)
    builder = _Builder(columns, source, _checked_constants(body, columns, source, data), data)
    parts = body.elts if several and isinstance(body, ast.Tuple) else [body]
    if not parts:
        raise InputError("the expression is empty; give a function such as \"x**2 + y**2\".")
    components = tuple(builder.build(part) for part in parts)
    if any(component.has(sp.I) for component in components):
        raise InputError("the expression has an imaginary constant (such as sqrt(-1)); "
                         "gradcli works with real functions.")
    for name, column in builder.indices.items():
        if name in builder.names:
            raise _fail(f"'{name}' is a summation index and also a variable outside its sum",
                        column, "give the index another name")
    if not builder.vectors:
        return ParsedText(components, tuple(builder.names))
    names = dict(builder.names)
    plain_n = names.pop("n", None)  # with vectors, n is their length, not a variable
    if plain_n is not None:
        components = tuple(c.xreplace({plain_n: DIMENSION}) for c in components)
    return ParsedText(components, tuple(names), tuple(builder.vectors))


def natural_key(name: str) -> tuple:
    """Sort key so that x2 comes before x10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def order_variables(names: Iterable[str], requested: str | None) -> tuple[sp.Symbol, ...]:
    """The variable order: natural sort of the names used, or exactly the `--vars` list."""
    used = list(dict.fromkeys(names))
    if requested is None:
        if not used:
            raise InputError("the expression has no variables; give a function of at least one "
                             "variable, such as x**2 + 1 (or name them with --vars).")
        return tuple(sp.Symbol(name, real=True) for name in sorted(used, key=natural_key))
    wanted = [part.strip() for part in requested.split(",")]
    for name in wanted:
        if not name:
            raise InputError("--vars has an empty name; give names separated by commas, "
                             "such as --vars y,x.")
        check_variable_name(name)
    duplicates = sorted({name for name in wanted if wanted.count(name) > 1})
    if duplicates:
        raise InputError(f"--vars names '{duplicates[0]}' twice; give each variable once.")
    missing = [name for name in used if name not in wanted]
    if missing:
        raise InputError(f"the function uses '{missing[0]}' but --vars does not list it; "
                         f"add it, for example --vars {','.join(wanted + missing)}.")
    return tuple(sp.Symbol(name, real=True) for name in wanted)

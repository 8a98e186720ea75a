"""SymPy functions that gradcli needs with real (not principal complex) semantics."""

import sympy as sp


class RealCbrt(sp.Function):
    """The real cube root: cbrt(-8) = -2 (SymPy's cbrt is the principal, complex root)."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, arg):
        if arg.is_Number:
            return sp.sign(arg) * sp.Abs(arg) ** sp.Rational(1, 3)
        return None

    def fdiff(self, argindex=1):
        return 1 / (3 * RealCbrt(self.args[0]) ** 2)

    def _eval_evalf(self, prec):
        value = self.args[0].evalf(prec)
        if value.is_Number:
            return (sp.sign(value) * sp.Abs(value) ** sp.Rational(1, 3)).evalf(prec)
        return None

    def _numpycode(self, printer):
        return f"numpy.cbrt({printer._print(self.args[0])})"

    def _pythoncode(self, printer):
        return f"math.cbrt({printer._print(self.args[0])})"

    def _sympystr(self, printer):
        return f"cbrt({printer._print(self.args[0])})"

    def _latex(self, printer):
        return rf"\sqrt[3]{{{printer._print(self.args[0])}}}"


class _RealVersion(sp.Function):
    """A SymPy function for arguments SymPy cannot prove real: it becomes the standard one
    (`standard`) as soon as the argument is real or a number, and prints and compiles as it."""

    nargs = 1
    is_real = True
    standard: type = sp.Function
    name = ""

    @classmethod
    def eval(cls, arg):
        if arg.is_extended_real or arg.is_number:
            return cls.standard(arg)
        return None

    def _eval_evalf(self, prec):
        return self.standard(self.args[0].evalf(prec))

    def _as_standard(self, printer):
        return printer._print(self.standard(self.args[0]))

    _numpycode = _pythoncode = _pretty = _latex = _as_standard

    def _sympystr(self, printer):
        return f"{self.name}({printer._print(self.args[0])})"


class RealAbs(_RealVersion):
    """|u| for a u that SymPy cannot prove real (log(x), sqrt(x)): gradcli's variables are real
    and so is every value it computes, so d|u| = sign(u)·du — never SymPy's re/im/arg form."""

    standard = sp.Abs
    name = "abs"

    def fdiff(self, argindex=1):
        return RealSign(self.args[0])


class RealSign(_RealVersion):
    """sign(u) for a real-valued u: its derivative is 0 wherever it exists (gradcli drops the
    point masses of sign' = 2δ, as for every step function)."""

    standard = sp.sign
    name = "sign"

    def fdiff(self, argindex=1):
        return sp.S.Zero

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


class RealAbs(sp.Function):
    """|u| for a u that SymPy cannot prove real (log(x), sqrt(x)): gradcli's variables are real
    and so is every value it computes, so d|u| = sign(u)·du — never SymPy's re/im/arg form."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, arg):
        if arg.is_extended_real or arg.is_number:
            return sp.Abs(arg)
        return None

    def fdiff(self, argindex=1):
        return RealSign(self.args[0])

    def _eval_evalf(self, prec):
        return sp.Abs(self.args[0].evalf(prec))

    def _numpycode(self, printer):
        return printer._print(sp.Abs(self.args[0]))

    def _pythoncode(self, printer):
        return printer._print(sp.Abs(self.args[0]))

    def _sympystr(self, printer):
        return f"abs({printer._print(self.args[0])})"

    def _pretty(self, printer):
        return printer._print(sp.Abs(self.args[0]))

    def _latex(self, printer):
        return printer._print(sp.Abs(self.args[0]))


class RealSign(sp.Function):
    """sign(u) for a real-valued u: its derivative is 0 wherever it exists (gradcli drops the
    point masses of sign' = 2δ, as for every step function)."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, arg):
        if arg.is_extended_real or arg.is_number:
            return sp.sign(arg)
        return None

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _eval_evalf(self, prec):
        return sp.sign(self.args[0].evalf(prec))

    def _numpycode(self, printer):
        return printer._print(sp.sign(self.args[0]))

    def _pythoncode(self, printer):
        return printer._print(sp.sign(self.args[0]))

    def _sympystr(self, printer):
        return f"sign({printer._print(self.args[0])})"

    def _pretty(self, printer):
        return printer._print(sp.sign(self.args[0]))

    def _latex(self, printer):
        return printer._print(sp.sign(self.args[0]))

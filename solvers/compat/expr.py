"""Expressions of the compat layer: variables, linear and quadratic expressions, constraints in the making.

Both fronts (gurobipy and coptpy) share these classes; what differs between the two APIs (attribute names, error
types, ``repr``) is answered by the model a variable belongs to, through ``model._front``. Expressions keep their
terms in a dict keyed by the variable objects themselves (identity hash), so adding a term is O(1) and
:func:`quicksum` / in-place ``+=`` build an n-term sum in O(n); the ``+`` operator copies, as it must, except when
the left operand is a temporary nobody else can see (the builtin ``sum`` case), which is then extended in place.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator
from numbers import Real
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solvers.compat.core import CoreModel

__all__ = [
    "Constr",
    "GenExpr",
    "IndicatorTemp",
    "LinExpr",
    "QuadExpr",
    "TempConstr",
    "Var",
    "as_expr",
    "is_number",
    "quicksum",
]

LE, GE, EQ = "<", ">", "="
_getrefcount = sys.getrefcount
# References held while ``a.__add__(b)`` runs on an unnamed temporary ``a``: the caller's stack slot, the ``self``
# argument and ``getrefcount``'s own argument. A named or stored expression has more and is never mutated.
_TEMPORARY_REFS = 3
_IN_PLACE_MIN_TERMS = 8


def is_number(value: Any) -> bool:
    """True for ints, floats and NumPy scalars (anything real-valued that is not an expression)."""
    if isinstance(value, bool | int | float | Real):
        return True
    return hasattr(value, "dtype") and getattr(value, "shape", None) == () and value.dtype.kind in "biuf"


def _num(value: Any) -> float:
    return float(value)


class _IntResult(int):
    """An int that can also be called (returns itself), for APIs where one package has a method, the other a field."""

    def __call__(self) -> int:
        return int(self)


class _ExprOps:
    """Arithmetic and comparison operators shared by variables and expressions."""

    __slots__ = ()
    __array_ufunc__ = None  # NumPy scalars defer to our reflected operators instead of broadcasting.
    __array_priority__ = 1000

    def _lin(self) -> LinExpr:
        raise NotImplementedError

    def __add__(self, other: Any) -> Any:
        return self._lin().__iadd__(other)

    def __radd__(self, other: Any) -> Any:
        return self._lin().__iadd__(other)

    def __sub__(self, other: Any) -> Any:
        return self._lin().__isub__(other)

    def __rsub__(self, other: Any) -> Any:
        return (-self._lin()).__iadd__(other)

    def __neg__(self) -> Any:
        return self._lin().__imul__(-1.0)

    def __pos__(self) -> Any:
        return self

    def __mul__(self, other: Any) -> Any:
        return self._lin().__imul__(other)

    def __rmul__(self, other: Any) -> Any:
        return self._lin().__imul__(other)

    def __truediv__(self, other: Any) -> Any:
        if not is_number(other):
            raise TypeError("unsupported: division by an expression (only division by a constant is linear)")
        return self._lin().__imul__(1.0 / _num(other))

    def __pow__(self, power: Any) -> Any:
        if is_number(power) and _num(power) == 2:
            return self._lin().__imul__(self._lin())
        if is_number(power) and _num(power) == 1:
            return self._lin()
        if is_number(power) and _num(power) == 0:
            return LinExpr(1.0)
        raise TypeError(f"unsupported: expression ** {power!r} (only squares are quadratic)")

    def __le__(self, other: Any) -> Any:
        return TempConstr.make(self, LE, other)

    def __ge__(self, other: Any) -> Any:
        return TempConstr.make(self, GE, other)

    def __eq__(self, other: Any) -> Any:
        return TempConstr.make(self, EQ, other)

    def __ne__(self, other: Any) -> Any:
        model = _model_of(self)
        message = "unsupported: '!=' constraints (inequality constraints are not supported)"
        raise model._error(10003, message) if model is not None else TypeError(message)


class Var(_ExprOps):
    """A decision variable: an index into its model's variable arrays, whose attributes the model answers."""

    __slots__ = ("_model", "_index", "__weakref__")
    __hash__ = object.__hash__

    def __init__(self, model: CoreModel, index: int) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_index", index)

    def _lin(self) -> LinExpr:
        expr = LinExpr()
        expr._terms[self] = 1.0
        return expr

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._model._var_getattr(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._model._var_setattr(self, name, value)

    def __repr__(self) -> str:
        return str(self._model._var_repr(self))

    def __str__(self) -> str:
        return str(self._model._var_str(self))

    def __bool__(self) -> bool:
        return True

    # Methods both APIs have under these names.
    def getAttr(self, name: str) -> Any:
        """Read an attribute by name (``var.getAttr("X")``)."""
        return self._model._var_getattr(self, str(name))

    def setAttr(self, name: str, value: Any) -> None:
        """Set an attribute by name (``var.setAttr("UB", 4)``)."""
        self._model._var_setattr(self, str(name), value)

    def sameAs(self, other: Any) -> bool:
        """Whether ``other`` is this very variable (``==`` builds a constraint instead)."""
        return other is self

    def getValue(self) -> float:
        """The value in the current solution."""
        return float(self._model._var_value(self))

    # coptpy's method forms.
    def getInfo(self, name: str) -> Any:
        """An information item (``Value``, ``LB``, ``UB``, ``Obj``, ``RedCost``)."""
        return self._model._var_getattr(self, str(name))

    def setInfo(self, name: str, value: Any) -> None:
        """Set ``LB``, ``UB`` or ``Obj``."""
        self._model._var_setattr(self, str(name), value)

    def getName(self) -> str:
        """The variable's name."""
        return str(self._model._var_name(self))

    def setName(self, name: str) -> None:
        """Rename the variable."""
        self._model._var_setattr(self, "name", name)

    def getType(self) -> str:
        """The variable type (``C``, ``B``, ``I``)."""
        return str(self._model._vtype[self._index])

    def setType(self, vtype: str) -> None:
        """Change the variable type."""
        self._model._var_setattr(self, "vtype", vtype)

    def getIdx(self) -> int:
        """Position among the model's variables."""
        return int(self._model._var_getattr(self, "index"))

    def remove(self) -> None:
        """Remove the variable from its model."""
        self._model._remove(self)


class Constr:
    """A linear, quadratic, general or SOS constraint: an index whose attributes the owning model answers."""

    __slots__ = ("_model", "_kind", "_index", "__weakref__")

    def __init__(self, model: CoreModel, kind: str, index: int) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_index", index)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._model._constr_getattr(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._model._constr_setattr(self, name, value)

    def __repr__(self) -> str:
        return str(self._model._constr_repr(self))

    def getAttr(self, name: str) -> Any:
        """Read an attribute by name."""
        return self._model._constr_getattr(self, str(name))

    def setAttr(self, name: str, value: Any) -> None:
        """Set an attribute by name."""
        self._model._constr_setattr(self, str(name), value)

    def sameAs(self, other: Any) -> bool:
        """Whether ``other`` is this very constraint."""
        return other is self

    def getInfo(self, name: str) -> Any:
        """An information item (``Slack``, ``Dual``, ``LB``, ``UB``)."""
        return self._model._constr_getattr(self, str(name))

    def setInfo(self, name: str, value: Any) -> None:
        """Set ``LB`` or ``UB``."""
        self._model._constr_setattr(self, str(name), value)

    def getName(self) -> str:
        """The constraint's name."""
        return str(self._model._constr_getattr(self, "name"))

    def setName(self, name: str) -> None:
        """Rename the constraint."""
        self._model._constr_setattr(self, "name", name)

    def getIdx(self) -> int:
        """Position among the model's constraints of its kind."""
        return int(self._index)

    def remove(self) -> None:
        """Remove the constraint from its model."""
        self._model._remove(self)


class LinExpr(_ExprOps):
    """``constant + sum(coeff * var)``; terms keyed by variable, so repeated variables merge."""

    __slots__ = ("_terms", "_const")

    def __init__(self, arg1: Any = None, arg2: Any = None) -> None:
        self._terms: dict[Var, float] = {}
        self._const = 0.0
        if arg1 is None:
            return
        if arg2 is not None:
            # LinExpr(coeff, var) / LinExpr(var, coeff) / LinExpr([coeffs], [vars])
            if isinstance(arg1, list | tuple) and isinstance(arg2, list | tuple):
                if arg1 and isinstance(arg1[0], Var):
                    arg1, arg2 = arg2, arg1
                self.addTerms(arg1, arg2)
            elif isinstance(arg1, Var):
                self._add_term(arg1, _num(arg2))
            else:
                self.__iadd__(as_expr(arg2) * _num(arg1))
            return
        if isinstance(arg1, list | tuple) and arg1 and isinstance(arg1[0], tuple):
            for coeff, var in arg1:
                self._add_term(var, _num(coeff))
            return
        self.__iadd__(arg1)

    def _lin(self) -> LinExpr:
        return self.copy()

    def _add_term(self, var: Var, coeff: float) -> None:
        terms = self._terms
        terms[var] = terms.get(var, 0.0) + coeff

    def copy(self) -> LinExpr:
        """A new expression with the same terms."""
        new = LinExpr()
        new._terms = dict(self._terms)
        new._const = self._const
        return new

    # -- in-place arithmetic (returns the result, which may be a new QuadExpr) --------------------------------

    def __iadd__(self, other: Any) -> Any:
        if isinstance(other, Var):
            terms = self._terms
            terms[other] = terms.get(other, 0.0) + 1.0
        elif isinstance(other, LinExpr):
            if other is self:
                return self.__imul__(2.0)
            terms = self._terms
            for var, coeff in other._terms.items():
                terms[var] = terms.get(var, 0.0) + coeff
            self._const += other._const
        elif isinstance(other, QuadExpr):
            return QuadExpr(self).__iadd__(other)
        elif is_number(other):
            self._const += _num(other)
        elif isinstance(other, GenExpr):
            raise TypeError("unsupported: arithmetic on max_/min_/abs_/and_/or_ (use them as 'y == max_(...)')")
        else:
            return NotImplemented
        return self

    def __isub__(self, other: Any) -> Any:
        if isinstance(other, Var):
            terms = self._terms
            terms[other] = terms.get(other, 0.0) - 1.0
            return self
        if isinstance(other, LinExpr | QuadExpr):
            return self.__iadd__(-other)
        if is_number(other):
            self._const -= _num(other)
            return self
        return NotImplemented

    def __imul__(self, other: Any) -> Any:
        if is_number(other):
            factor = _num(other)
            self._terms = {var: coeff * factor for var, coeff in self._terms.items()}
            self._const *= factor
            return self
        if isinstance(other, Var | LinExpr):
            right = other._lin() if isinstance(other, Var) else other
            quad = QuadExpr()
            for v1, c1 in self._terms.items():
                for v2, c2 in right._terms.items():
                    quad._add_quad(v1, v2, c1 * c2)
            quad._lin_part.__iadd__(right.copy().__imul__(self._const))
            quad._lin_part.__iadd__(self.copy().__imul__(right._const) if right._const else 0.0)
            quad._lin_part._const = self._const * right._const
            return quad
        if isinstance(other, QuadExpr):
            if not other._quad:
                return self.__imul__(other._lin_part)
            if not self._terms:
                return other.copy().__imul__(self._const)
            raise TypeError("unsupported: product of degree above 2")
        return NotImplemented

    def __add__(self, other: Any) -> Any:
        if len(self._terms) >= _IN_PLACE_MIN_TERMS and _getrefcount(self) <= _TEMPORARY_REFS:
            return self.__iadd__(other)
        return self.copy().__iadd__(other)

    def __sub__(self, other: Any) -> Any:
        return self.copy().__isub__(other)

    def __mul__(self, other: Any) -> Any:
        return self.copy().__imul__(other)

    def __rmul__(self, other: Any) -> Any:
        return self.copy().__imul__(other)

    def __radd__(self, other: Any) -> Any:
        return self.copy().__iadd__(other)

    def __neg__(self) -> Any:
        return self.copy().__imul__(-1.0)

    # -- the API both packages share -------------------------------------------------------------------------

    def addTerms(self, coeffs: Any, variables: Any) -> None:
        """Add ``coeffs[i] * variables[i]`` (either may be a single value, as both packages allow)."""
        if isinstance(variables, Var):
            variables, coeffs = [variables], [coeffs]
        elif is_number(coeffs):
            coeffs = [coeffs] * len(list(variables))
        for coeff, var in zip(coeffs, variables, strict=False):
            if isinstance(coeff, Var) and is_number(var):
                coeff, var = var, coeff
            self._add_term(var, _num(coeff))

    def addTerm(self, var: Var, coeff: float = 1.0) -> None:
        """Coptpy's single-term form."""
        self._add_term(var, _num(coeff))

    def add(self, expr: Any, mult: float = 1.0) -> None:
        """Add ``mult * expr`` in place."""
        result = self.__iadd__(as_expr(expr) * _num(mult) if _num(mult) != 1.0 else expr)
        if result is not self:
            raise TypeError("unsupported: adding a quadratic expression to a LinExpr in place (use QuadExpr)")

    def addConstant(self, constant: float) -> None:
        """Add a constant."""
        self._const += _num(constant)

    def getConstant(self) -> float:
        """The constant term."""
        return self._const

    getConst = getConstant

    def setConstant(self, constant: float) -> None:
        """Replace the constant term."""
        self._const = _num(constant)

    @property
    def constant(self) -> float:
        """The constant term (coptpy attribute style)."""
        return self._const

    @constant.setter
    def constant(self, value: float) -> None:
        self._const = _num(value)

    @property
    def size(self) -> _IntResult:
        """Number of terms: ``expr.size()`` (gurobipy) and ``expr.size`` (coptpy) both work."""
        return _IntResult(len(self._terms))

    def getVar(self, i: int) -> Var:
        """The variable of term ``i``."""
        return list(self._terms)[i]

    def getCoeff(self, i: int) -> float:
        """The coefficient of term ``i``."""
        return list(self._terms.values())[i]

    def setCoeff(self, i: int, value: float) -> None:
        """Change the coefficient of term ``i``."""
        self._terms[self.getVar(i)] = _num(value)

    def remove(self, item: Any) -> None:
        """Remove a term by position or by variable."""
        var = item if isinstance(item, Var) else self.getVar(int(item))
        self._terms.pop(var, None)

    def clear(self) -> None:
        """Remove every term and the constant."""
        self._terms.clear()
        self._const = 0.0

    def getValue(self) -> float:
        """The value at the current solution."""
        total = self._const
        for var, coeff in self._terms.items():
            total += coeff * var._model._var_value(var)
        return total

    def __repr__(self) -> str:
        return f"<LinExpr: {self}>"

    def __str__(self) -> str:
        return _format_lin(self)

    def __bool__(self) -> bool:
        return True


class QuadExpr(_ExprOps):
    """A linear part plus products of two variables, keyed by the (ordered) pair."""

    __slots__ = ("_lin_part", "_quad")

    def __init__(self, expr: Any = None) -> None:
        self._lin_part = LinExpr()
        self._quad: dict[tuple[Var, Var], float] = {}
        if expr is not None:
            self.__iadd__(expr)

    def _lin(self) -> LinExpr:
        raise TypeError("unsupported: this operation on a quadratic expression")

    def __truediv__(self, other: Any) -> Any:
        if not is_number(other):
            raise TypeError("unsupported: division by an expression")
        return self.copy().__imul__(1.0 / _num(other))

    def __pow__(self, power: Any) -> Any:
        if is_number(power) and _num(power) == 1:
            return self.copy()
        if not self._quad:
            return self._lin_part**power
        raise TypeError("unsupported: power of a quadratic expression (degree above 2)")

    def _add_quad(self, v1: Var, v2: Var, coeff: float) -> None:
        key = (v1, v2) if v1._index <= v2._index else (v2, v1)
        self._quad[key] = self._quad.get(key, 0.0) + coeff

    def copy(self) -> QuadExpr:
        """A new expression with the same terms."""
        new = QuadExpr()
        new._lin_part = self._lin_part.copy()
        new._quad = dict(self._quad)
        return new

    def __iadd__(self, other: Any) -> Any:
        if isinstance(other, QuadExpr):
            self._lin_part.__iadd__(other._lin_part)
            for (v1, v2), coeff in other._quad.items():
                self._add_quad(v1, v2, coeff)
            return self
        if isinstance(other, Var | LinExpr) or is_number(other):
            self._lin_part.__iadd__(other)
            return self
        if isinstance(other, GenExpr):
            raise TypeError("unsupported: arithmetic on max_/min_/abs_/and_/or_")
        return NotImplemented

    def __isub__(self, other: Any) -> Any:
        if isinstance(other, Var | LinExpr | QuadExpr):
            return self.__iadd__(-other)
        if is_number(other):
            self._lin_part._const -= _num(other)
            return self
        return NotImplemented

    def __imul__(self, other: Any) -> Any:
        if is_number(other):
            factor = _num(other)
            self._lin_part.__imul__(factor)
            self._quad = {key: coeff * factor for key, coeff in self._quad.items()}
            return self
        if isinstance(other, Var | LinExpr | QuadExpr):
            right = other._lin() if isinstance(other, Var) else other
            if isinstance(right, QuadExpr) and not right._quad:
                right = right._lin_part
            if isinstance(right, LinExpr) and not right._terms:
                return self.__imul__(right._const)
            if not self._quad:
                return self._lin_part.copy().__imul__(right)
            raise TypeError("unsupported: product of degree above 2")
        return NotImplemented

    def __add__(self, other: Any) -> Any:
        return self.copy().__iadd__(other)

    def __radd__(self, other: Any) -> Any:
        return self.copy().__iadd__(other)

    def __sub__(self, other: Any) -> Any:
        return self.copy().__isub__(other)

    def __rsub__(self, other: Any) -> Any:
        return self.copy().__imul__(-1.0).__iadd__(other)

    def __mul__(self, other: Any) -> Any:
        return self.copy().__imul__(other)

    def __rmul__(self, other: Any) -> Any:
        return self.copy().__imul__(other)

    def __neg__(self) -> Any:
        return self.copy().__imul__(-1.0)

    def getLinExpr(self) -> LinExpr:
        """The linear part."""
        return self._lin_part

    def addTerms(self, coeffs: Any, vars1: Any, vars2: Any = None) -> None:
        """Add ``coeffs[i] * vars1[i] * vars2[i]`` (or linear terms when ``vars2`` is None)."""
        if vars2 is None:
            self._lin_part.addTerms(coeffs, vars1)
            return
        if isinstance(vars1, Var):
            coeffs, vars1, vars2 = [coeffs], [vars1], [vars2]
        for coeff, v1, v2 in zip(coeffs, vars1, vars2, strict=False):
            self._add_quad(v1, v2, _num(coeff))

    def add(self, expr: Any, mult: float = 1.0) -> None:
        """Add ``mult * expr`` in place."""
        self.__iadd__(as_expr(expr) * _num(mult))

    def addConstant(self, constant: float) -> None:
        """Add a constant."""
        self._lin_part._const += _num(constant)

    def getConstant(self) -> float:
        """The constant term."""
        return self._lin_part._const

    @property
    def constant(self) -> float:
        """The constant term."""
        return self._lin_part._const

    @property
    def size(self) -> _IntResult:
        """Number of quadratic terms."""
        return _IntResult(len(self._quad))

    def getVar1(self, i: int) -> Var:
        """First variable of quadratic term ``i``."""
        return list(self._quad)[i][0]

    def getVar2(self, i: int) -> Var:
        """Second variable of quadratic term ``i``."""
        return list(self._quad)[i][1]

    def getCoeff(self, i: int) -> float:
        """Coefficient of quadratic term ``i``."""
        return list(self._quad.values())[i]

    def getValue(self) -> float:
        """The value at the current solution."""
        total = self._lin_part.getValue()
        for (v1, v2), coeff in self._quad.items():
            total += coeff * v1._model._var_value(v1) * v2._model._var_value(v2)
        return total

    def __repr__(self) -> str:
        return f"<QuadExpr: {self}>"

    def __str__(self) -> str:
        quad = " + ".join(
            f"{_coef(c)}{_vname(a)} ^ 2" if a is b else f"{_coef(c)}{_vname(a)} * {_vname(b)}"
            for (a, b), c in self._quad.items()
        )
        return f"{_format_lin(self._lin_part)} + [ {quad} ]"

    def __bool__(self) -> bool:
        return True


class GenExpr:
    """``max_``/``min_``/``abs_``/``and_``/``or_`` applied to variables: only meaningful as ``y == genexpr``."""

    __slots__ = ("kind", "args", "constant")

    def __init__(self, kind: str, args: list[Var], constant: float | None = None) -> None:
        self.kind = kind
        self.args = args
        self.constant = constant

    def __eq__(self, other: Any) -> Any:
        return TempConstr.make(other, EQ, self)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<GenExpr {self.kind}_>"


class TempConstr:
    """The result of a comparison: ``lhs sense rhs``, before it is added to a model."""

    __slots__ = ("lhs", "sense", "rhs")

    def __init__(self, lhs: Any, sense: str, rhs: Any) -> None:
        self.lhs = lhs
        self.sense = sense
        self.rhs = rhs

    @classmethod
    def make(cls, lhs: Any, sense: str, rhs: Any) -> Any:
        """``lhs sense rhs`` (NotImplemented for operands that are not expressions, so Python tries the other side)."""
        if isinstance(rhs, TempConstr | IndicatorTemp):
            raise TypeError("unsupported: chained comparison 'lb <= expr <= ub' (use addRange or two constraints)")
        if isinstance(rhs, list | tuple) and len(rhs) == 2 and all(is_number(v) for v in rhs) and sense == EQ:
            return cls(lhs, "range", (float(rhs[0]), float(rhs[1])))
        if not (isinstance(rhs, Var | LinExpr | QuadExpr | GenExpr) or is_number(rhs)):
            return NotImplemented
        return cls(lhs, sense, rhs)

    def __bool__(self) -> bool:
        raise self._bool_error()

    def _bool_error(self) -> Exception:
        for side in (self.lhs, self.rhs):
            model = getattr(side, "_model", None)
            if model is None and isinstance(side, LinExpr | QuadExpr):
                model = next((v._model for v in _vars_of(side)), None)
            if model is not None:
                error: Exception = model._error(
                    10003, 'Constraint has no bool value (are you trying "lb <= expr <= ub"?)'
                )
                return error
        return TypeError('Constraint has no bool value (are you trying "lb <= expr <= ub"?)')

    def __rshift__(self, other: Any) -> IndicatorTemp:
        return IndicatorTemp(self, other)

    def __rrshift__(self, other: Any) -> IndicatorTemp:
        raise TypeError("unsupported: indicator with the condition on the right (write (b == 1) >> (constraint))")

    def __le__(self, other: Any) -> Any:
        raise TypeError("unsupported: chained comparison 'lb <= expr <= ub' (use addRange or two constraints)")

    __ge__ = __le__

    def __repr__(self) -> str:
        sense = {"<": "<=", ">": ">=", "=": "=="}.get(self.sense, self.sense)
        return f"<TempConstr: {_side(self.lhs)} {sense} {_side(self.rhs)}>"


class IndicatorTemp:
    """``(binvar == value) >> (linear constraint)`` before it is added."""

    __slots__ = ("condition", "constraint")

    def __init__(self, condition: TempConstr, constraint: Any) -> None:
        self.condition = condition
        self.constraint = constraint

    def __bool__(self) -> bool:
        raise TypeError("Constraint has no bool value")


def _model_of(expr: Any) -> CoreModel | None:
    if isinstance(expr, Var):
        model: CoreModel = expr._model
        return model
    if isinstance(expr, LinExpr | QuadExpr):
        return next((v._model for v in _vars_of(expr)), None)
    return None


def _vars_of(expr: LinExpr | QuadExpr) -> Iterator[Var]:
    lin = expr._lin_part if isinstance(expr, QuadExpr) else expr
    yield from lin._terms
    if isinstance(expr, QuadExpr):
        for a, _b in expr._quad:
            yield a


def as_expr(value: Any) -> LinExpr | QuadExpr:
    """A Var, number, LinExpr or QuadExpr as an expression (LinExpr or QuadExpr, never shared with the input)."""
    if isinstance(value, Var):
        return value._lin()
    if isinstance(value, LinExpr | QuadExpr):
        return value.copy()
    if is_number(value):
        return LinExpr(float(value))
    raise TypeError(f"unsupported: {type(value).__name__} in an expression")


def quicksum(items: Iterable[Any]) -> Any:
    """Sum in one pass, in place (linear time, unlike a chain of ``+``)."""
    total: Any = LinExpr()
    for item in items:
        if isinstance(item, Var):
            terms = total._terms if isinstance(total, LinExpr) else total._lin_part._terms
            terms[item] = terms.get(item, 0.0) + 1.0
            continue
        result = total.__iadd__(item)
        if result is NotImplemented:
            raise TypeError(f"unsupported: {type(item).__name__} in quicksum")
        total = result
    return total


def _vname(var: Var) -> str:
    try:
        return str(var._model._var_name(var))
    except Exception:  # noqa: BLE001 - printing must not fail
        return f"C{var._index}"


def _coef(coeff: float) -> str:
    return "" if coeff == 1.0 else f"{coeff!r} "


def _format_lin(expr: LinExpr) -> str:
    parts = [f"{_coef(c)}{_vname(v)}" for v, c in expr._terms.items()]
    if expr._const or not parts:
        parts.insert(0, repr(expr._const))
    return " + ".join(parts)


def _side(value: Any) -> str:
    if isinstance(value, Var):
        return _vname(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(value)
    return str(value)

"""The solver-independent problem a :class:`~solvers.compat.core.CoreModel` lowers to before a solve.

General constraints (max, min, abs, and, or, indicator) and semi-continuous variables are reformulated here,
exactly: with binaries and big-M constants computed from variable bounds when those are finite (so HiGHS can solve
the result), or as SCIP indicator constraints when a needed bound is infinite. SOS constraints, quadratic
constraints and indicators are kept as such and send the solve to SCIP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["INF", "Lowered", "Row", "activity_bounds"]

INF = math.inf

Row = tuple[list[int], list[float], float, float, str]
"""A linear row: column indexes, coefficients, lower and upper bound, name."""


@dataclass
class Lowered:
    """Columns, rows and the objective as plain lists, plus the constructs only SCIP takes."""

    names: list[str] = field(default_factory=list)
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    offset: float = 0.0
    maximize: bool = False
    rows: list[Row] = field(default_factory=list)
    qobj: dict[tuple[int, int], float] = field(default_factory=dict)
    qrows: list[tuple[dict[int, float], dict[tuple[int, int], float], float, float, str]] = field(default_factory=list)
    indicators: list[tuple[int, bool, dict[int, float], float, str]] = field(default_factory=list)
    """(binary column, active value is 1, linear terms, upper bound of ``terms <= ub``, name)."""
    sos: list[tuple[int, list[int], list[float]]] = field(default_factory=list)
    row_of: dict[int, int] = field(default_factory=dict)
    """User linear constraint index -> row index (for duals, slacks, IIS)."""
    n_user: int = 0
    """Columns ``0 .. n_user-1`` are the user's variables (alive ones, in order); the rest are auxiliary."""
    var_of_col: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    # -- building ----------------------------------------------------------------------------------------------

    def add_col(self, name: str, lb: float, ub: float, integer: bool, cost: float = 0.0) -> int:
        """Append a column and return its index."""
        self.names.append(name)
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        self.cost.append(cost)
        return len(self.names) - 1

    def add_row(self, terms: dict[int, float], lo: float, hi: float, name: str = "") -> int:
        """Append ``lo <= sum(terms) <= hi`` and return its index."""
        self.rows.append((list(terms), list(terms.values()), lo, hi, name))
        return len(self.rows) - 1

    def add_binary(self, name: str) -> int:
        """A new auxiliary binary column."""
        return self.add_col(name, 0.0, 1.0, True)

    def bound_of(self, terms: dict[int, float], const: float = 0.0) -> tuple[float, float]:
        """Smallest and largest value of ``const + sum(terms)`` over the column bounds."""
        return activity_bounds(terms, self.lb, self.ub, const)

    def implied_le(self, terms: dict[int, float], rhs: float, delta: int, on_one: bool, name: str) -> None:
        """``terms <= rhs`` whenever binary column ``delta`` equals 1 (``on_one``) or 0: big-M or an indicator."""
        _low, high = self.bound_of(terms)
        big_m = high - rhs
        if math.isfinite(big_m):
            if big_m <= 0:
                return  # the constraint can never be violated
            row = dict(terms)
            if on_one:  # terms - rhs <= M (1 - delta)  ->  terms + M delta <= rhs + M
                row[delta] = row.get(delta, 0.0) + big_m
                self.add_row(row, -INF, rhs + big_m, name)
            else:  # terms - rhs <= M delta
                row[delta] = row.get(delta, 0.0) - big_m
                self.add_row(row, -INF, rhs, name)
            return
        self.indicators.append((delta, on_one, dict(terms), rhs, name))

    # -- general constraints -----------------------------------------------------------------------------------

    def gen_max(self, res: int, args: list[int], constant: float | None, name: str, is_min: bool = False) -> None:
        """``res = max(args, constant)`` (or min) exactly: res >= each term, and equal to the one a binary picks."""
        sign = -1.0 if is_min else 1.0
        terms: list[tuple[dict[int, float], float]] = [({j: 1.0}, 0.0) for j in args]
        if constant is not None and math.isfinite(constant):
            terms.append(({}, float(constant)))
        if not terms:
            raise ValueError("max_/min_ of nothing")
        picks: dict[int, float] = {}
        for k, (t_terms, t_const) in enumerate(terms):
            # sign*(res - t) >= 0
            row = {res: sign}
            for j, c in t_terms.items():
                row[j] = row.get(j, 0.0) - sign * c
            self.add_row(row, sign * t_const, INF, f"{name}_ge{k}")
            z = self.add_binary(f"{name}_pick{k}")
            picks[z] = 1.0
            # z = 1 -> sign*(res - t) <= 0
            le = {res: sign}
            for j, c in t_terms.items():
                le[j] = le.get(j, 0.0) - sign * c
            self.implied_le(le, sign * t_const, z, True, f"{name}_le{k}")
        self.add_row(picks, 1.0, 1.0, f"{name}_one")

    def gen_abs(self, res: int, arg: int, name: str) -> None:
        """``res = |arg|``: res >= arg, res >= -arg, and a binary choosing which one holds with equality."""
        self.add_row({res: 1.0, arg: -1.0}, 0.0, INF, f"{name}_pos")
        self.add_row({res: 1.0, arg: 1.0}, 0.0, INF, f"{name}_neg")
        z = self.add_binary(f"{name}_sign")
        self.implied_le({res: 1.0, arg: -1.0}, 0.0, z, True, f"{name}_eqpos")
        self.implied_le({res: 1.0, arg: 1.0}, 0.0, z, False, f"{name}_eqneg")

    def gen_and(self, res: int, args: list[int], name: str) -> None:
        """``res = AND(args)`` for binaries: res <= each, res >= sum - (n - 1)."""
        for k, j in enumerate(args):
            if j != res:
                self.add_row({res: 1.0, j: -1.0}, -INF, 0.0, f"{name}_le{k}")
        row = {res: 1.0}
        for j in args:
            row[j] = row.get(j, 0.0) - 1.0
        self.add_row(row, 1.0 - len(args), INF, f"{name}_ge")

    def gen_or(self, res: int, args: list[int], name: str) -> None:
        """``res = OR(args)`` for binaries: res >= each, res <= sum."""
        for k, j in enumerate(args):
            if j != res:
                self.add_row({res: 1.0, j: -1.0}, 0.0, INF, f"{name}_ge{k}")
        row = {res: 1.0}
        for j in args:
            row[j] = row.get(j, 0.0) - 1.0
        self.add_row(row, -INF, 0.0, f"{name}_le")

    def indicator(self, binvar: int, value: bool, terms: dict[int, float], sense: str, rhs: float, name: str) -> None:
        """``binvar == value  ->  terms sense rhs``."""
        if sense in ("<", "="):
            self.implied_le(terms, rhs, binvar, value, f"{name}_le" if sense == "=" else name)
        if sense in (">", "="):
            self.implied_le(
                {j: -c for j, c in terms.items()}, -rhs, binvar, value, f"{name}_ge" if sense == "=" else name
            )

    # -- queries -----------------------------------------------------------------------------------------------

    @property
    def scip_only(self) -> bool:
        """Whether the model has constructs only SCIP takes (quadratic rows, indicators, SOS)."""
        return bool(self.qrows or self.indicators or self.sos)

    @property
    def has_integer(self) -> bool:
        """Whether any column is integer."""
        return any(self.integer)

    def objective_is_convex(self) -> bool:
        """PSD (minimize) / NSD (maximize) test of the objective's Hessian over the columns it uses."""
        if not self.qobj:
            return True
        cols = sorted({j for key in self.qobj for j in key})
        pos = {j: k for k, j in enumerate(cols)}
        hess = np.zeros((len(cols), len(cols)))
        for (i, j), v in self.qobj.items():
            if i == j:
                hess[pos[i], pos[i]] += 2.0 * v
            else:
                hess[pos[i], pos[j]] += v
                hess[pos[j], pos[i]] += v
        if self.maximize:
            hess = -hess
        eig = np.linalg.eigvalsh(hess)
        scale = max(1.0, float(np.abs(eig).max(initial=0.0)))
        return bool(eig.min(initial=0.0) >= -1e-9 * scale)


def activity_bounds(
    terms: dict[int, float], lb: list[float], ub: list[float], const: float = 0.0
) -> tuple[float, float]:
    """Interval of ``const + sum(c_j x_j)`` for ``x`` in its bounds (infinite when unbounded)."""
    low = high = const
    for j, c in terms.items():
        if c > 0:
            low += c * lb[j]
            high += c * ub[j]
        elif c < 0:
            low += c * ub[j]
            high += c * lb[j]
        if math.isnan(low):
            low = -INF
        if math.isnan(high):
            high = INF
    return low, high


def coerce(value: Any) -> float:
    """A bound as a float, with the packages' 'infinity' (1e20 and above) as real infinity."""
    number = float(value)
    if number >= 1e20:
        return INF
    if number <= -1e20:
        return -INF
    return number

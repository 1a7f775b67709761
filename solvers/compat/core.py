"""The solver-independent model both API fronts build on, and the single place where a solve happens.

:class:`CoreModel` stores variables, constraints (linear, quadratic, general, SOS), the objective and parameters in
plain Python structures; :meth:`CoreModel.solve` lowers them (see :mod:`solvers.compat.lowering`), picks HiGHS or
SCIP, and keeps the answer twice: as a :class:`SolveOutcome` in our vocabulary (what the capture module records)
and as per-variable / per-constraint arrays the fronts' attributes read. The fronts (``gurobipy.py``,
``coptpy.py``) subclass it and supply names, constants, error types and the attribute tables.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from solvers.capture import unique_names
from solvers.capture.highspy import LinearInstance, write_instance
from solvers.compat import backend
from solvers.compat.expr import (
    EQ,
    GE,
    LE,
    Constr,
    GenExpr,
    IndicatorTemp,
    LinExpr,
    QuadExpr,
    TempConstr,
    Var,
    as_expr,
    is_number,
)
from solvers.compat.lowering import INF, Lowered, coerce
from solvers.compat.tupledict import tupledict

__all__ = ["CoreModel", "SolveOutcome", "index_keys"]


@dataclass
class SolveOutcome:
    """One solve of a compat model, in the project's vocabulary (the capture module turns it into a record)."""

    termination: str
    raw_status: str
    solver: str
    solver_version: str
    sense: str
    objective_value: float | None
    objective_bound: float | None
    mip_gap: float | None
    values: dict[str, float]
    stats: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    instance: LinearInstance | None = None
    instance_values: dict[str, float] | None = None


class _Lin:
    __slots__ = ("terms", "lo", "hi", "sense", "rhs", "name", "alive")

    def __init__(self, terms: dict[Var, float], sense: str, rhs: float, name: str) -> None:
        self.terms = terms
        self.sense = sense
        self.rhs = rhs
        self.name = name
        self.alive = True
        self.lo, self.hi = _range_of(sense, rhs)


def _range_of(sense: str, rhs: float) -> tuple[float, float]:
    if sense == LE:
        return -INF, rhs
    if sense == GE:
        return rhs, INF
    return rhs, rhs


class _Quad:
    __slots__ = ("expr", "sense", "rhs", "name", "alive")

    def __init__(self, expr: QuadExpr, sense: str, rhs: float, name: str) -> None:
        self.expr = expr
        self.sense = sense
        self.rhs = rhs
        self.name = name
        self.alive = True


class _Gen:
    __slots__ = ("kind", "res", "args", "constant", "value", "terms", "sense", "rhs", "name", "alive")

    def __init__(self, kind: str, name: str, **fields: Any) -> None:
        self.kind = kind
        self.name = name
        self.alive = True
        self.res: Var | None = fields.get("res")
        self.args: list[Var] = fields.get("args", [])
        self.constant: float | None = fields.get("constant")
        self.value: bool = fields.get("value", True)
        self.terms: dict[Var, float] = fields.get("terms", {})
        self.sense: str = fields.get("sense", LE)
        self.rhs: float = fields.get("rhs", 0.0)


@dataclass
class _Solution:
    values: dict[int, float] | None = None
    objective: float | None = None
    bound: float | None = None
    mip_gap: float | None = None
    duals: dict[int, float] | None = None
    activity: dict[int, float] | None = None
    reduced: dict[int, float] | None = None
    runtime: float = 0.0
    iterations: int = 0
    nodes: int = 0
    is_mip: bool = False


def index_keys(indices: tuple[Any, ...]) -> list[Any]:
    """Keys of ``addVars(*indices)``: ints are ranges, iterables their elements, tuples flattened; a product."""
    lists: list[list[tuple[Any, ...]]] = []
    for arg in indices:
        if is_number(arg) and not isinstance(arg, float):
            lists.append([(i,) for i in range(int(arg))])
        elif isinstance(arg, dict):
            lists.append([k if isinstance(k, tuple) else (k,) for k in arg])
        elif isinstance(arg, str):
            lists.append([(arg,)])
        else:
            lists.append([k if isinstance(k, tuple) else (k,) for k in arg])
    keys: list[tuple[Any, ...]] = [()]
    for options in lists:
        keys = [k + o for k in keys for o in options]
    return [k[0] if len(k) == 1 else k for k in keys]


def _per_key(value: Any, key: Any, position: int, default: Any) -> Any:
    """A per-variable argument of ``addVars``: a scalar, a list in key order, or a dict keyed like the vars."""
    if value is None:
        return default
    if isinstance(value, dict):
        return value.get(key, default)
    if isinstance(value, list | tuple) or (
        hasattr(value, "__len__") and hasattr(value, "__getitem__") and not isinstance(value, str)
    ):
        return value[position]
    return value


class CoreModel:
    """The model both fronts share. Fronts override the ``_`` hooks at the bottom and the attribute tables."""

    dialect = "gurobipy"
    _INTERNAL = frozenset({"outcome", "dialect"})
    _MODEL_ATTRS: dict[str, str] = {}
    _VAR_ATTRS: dict[str, str] = {}
    _CONSTR_ATTRS: dict[str, str] = {}
    _PARAM_ALIASES: dict[str, str] = {}
    _VTYPES = {"C": "C", "B": "B", "I": "I", "S": "S", "N": "N"}

    def __init__(self, name: str = "") -> None:
        object.__setattr__(self, "outcome", None)
        self._name = str(name or "")
        self._vars: list[Var] = []
        self._vlb: list[float] = []
        self._vub: list[float] = []
        self._vtype: list[str] = []
        self._vname: list[str] = []
        self._vstart: dict[int, float] = {}
        self._valive: list[bool] = []
        self._lins: list[_Lin] = []
        self._lin_objs: list[Constr] = []
        self._quads: list[_Quad] = []
        self._quad_objs: list[Constr] = []
        self._gens: list[_Gen] = []
        self._gen_objs: list[Constr] = []
        self._sos: list[tuple[int, list[Var], list[float]]] = []
        self._sos_objs: list[Constr] = []
        self._obj: LinExpr | QuadExpr = LinExpr()
        self._sense = 1
        self._params: dict[str, Any] = {}
        self._sol: _Solution | None = None
        self._status_code = self._initial_status()
        self._iis: tuple[set[int], dict[int, str]] | None = None
        self._disposed = False
        self._notes: list[str] = []
        self._name_index: dict[str, Var] | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or name in self._INTERNAL:
            object.__setattr__(self, name, value)
        elif name.lower() in self._MODEL_ATTRS:
            self._set_model_attr(self._MODEL_ATTRS[name.lower()], name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("_"):
            raise AttributeError(name)
        key = self._MODEL_ATTRS.get(name.lower())
        if key is None:
            raise self._unsupported(f"{self.dialect}.Model.{name}")
        return self._model_attr(key, name)

    # -- variables ---------------------------------------------------------------------------------------------

    def _new_var(self, lb: Any, ub: Any, obj: Any, vtype: Any, name: Any) -> Var:
        index = len(self._vars)
        var = Var(self, index)
        kind = self._vtype_of(vtype)
        lower = coerce(lb) if lb is not None else 0.0
        upper = coerce(ub) if ub is not None else INF
        self._vars.append(var)
        self._vlb.append(lower)
        self._vub.append(upper)
        self._vtype.append(kind)
        self._vname.append(str(name) if name is not None and name != "" else "")
        self._valive.append(True)
        if obj is not None and float(obj) != 0.0:
            lin = self._obj._lin_part if isinstance(self._obj, QuadExpr) else self._obj
            lin._terms[var] = lin._terms.get(var, 0.0) + float(obj)
        self._name_index = None
        return var

    def _vtype_of(self, vtype: Any) -> str:
        text = str(vtype or "C").upper()[:1]
        kind = self._VTYPES.get(text)
        if kind is None:
            raise self._error(10003, f"Invalid variable type '{vtype}'")
        return kind

    def _add_vars(self, indices: tuple[Any, ...], lb: Any, ub: Any, obj: Any, vtype: Any, names: Any) -> tupledict:
        """``addVars``: one variable per key; ``names`` is a function ``(key, position) -> name``."""
        keys = index_keys(indices) if indices else [0]
        out = tupledict()
        for pos, key in enumerate(keys):
            out[key] = self._new_var(
                _per_key(lb, key, pos, 0.0),
                _per_key(ub, key, pos, INF),
                _per_key(obj, key, pos, 0.0),
                _per_key(vtype, key, pos, "C"),
                names(key, pos),
            )
        return out

    def _var_name(self, var: Var) -> str:
        name = self._vname[var._index]
        return name if name else self._default_var_name(var._index)

    def _var_value(self, var: Var) -> float:
        sol = self._sol
        if sol is None or sol.values is None or var._index not in sol.values:
            raise self._unavailable("X")
        return sol.values[var._index]

    def _var_getattr(self, var: Var, name: str) -> Any:
        key = self._VAR_ATTRS.get(name.lower())
        if key is None:
            raise self._unsupported(f"{self.dialect}.Var.{name}")
        i = var._index
        if key == "x":
            return self._var_value(var)
        if key == "lb":
            return self._vlb[i] if self._vlb[i] > -INF else -self._infinity()
        if key == "ub":
            return self._vub[i] if self._vub[i] < INF else self._infinity()
        if key == "vtype":
            return self._vtype[i]
        if key == "name":
            return self._var_name(var)
        if key == "obj":
            lin = self._obj._lin_part if isinstance(self._obj, QuadExpr) else self._obj
            return lin._terms.get(var, 0.0)
        if key == "start":
            return self._vstart.get(i, self._undefined())
        if key == "index":
            return sum(1 for k in range(i) if self._valive[k]) if self._valive[i] else -1
        if key == "rc":
            sol = self._sol
            if sol is None or sol.reduced is None or i not in sol.reduced:
                raise self._unavailable(name)
            return sol.reduced[i]
        if key in ("iislb", "iisub"):
            if self._iis is None:
                raise self._unavailable(name)
            side = self._iis[1].get(i)
            return int(side in ("both", "lower" if key == "iislb" else "upper"))
        raise self._unsupported(f"{self.dialect}.Var.{name}")

    def _var_setattr(self, var: Var, name: str, value: Any) -> None:
        key = self._VAR_ATTRS.get(name.lower())
        i = var._index
        if key == "lb":
            self._vlb[i] = coerce(value)
        elif key == "ub":
            self._vub[i] = coerce(value)
        elif key == "vtype":
            self._vtype[i] = self._vtype_of(value)
        elif key == "name":
            self._vname[i] = str(value)
            self._name_index = None
        elif key == "obj":
            lin = self._obj._lin_part if isinstance(self._obj, QuadExpr) else self._obj
            lin._terms[var] = float(value)
        elif key == "start":
            self._vstart[i] = float(value)
        else:
            raise self._unsupported(f"{self.dialect}.Var.{name} (setting)")

    # -- constraints -------------------------------------------------------------------------------------------

    def _add_constraint(self, item: Any, name: str) -> Any:
        """Add anything ``addConstr`` accepts: a comparison, an indicator, a general-constraint equation."""
        if isinstance(item, IndicatorTemp):
            return self._add_indicator_temp(item, name)
        if isinstance(item, bool) or (is_number(item) and hasattr(item, "dtype")):
            # A comparison of two constants (``3 <= 5``): the packages add an empty row that holds or cannot.
            self._notes.append("a constraint between constants was added as an empty row")
            return self._add_lin({}, GE, 0.0 if bool(item) else 1.0, name)
        if not isinstance(item, TempConstr):
            raise self._error(10003, f"Invalid argument to addConstr: {type(item).__name__}")
        lhs, sense, rhs = item.lhs, item.sense, item.rhs
        if isinstance(rhs, GenExpr) or isinstance(lhs, GenExpr):
            res, gen = (lhs, rhs) if isinstance(rhs, GenExpr) else (rhs, lhs)
            if sense != EQ or not isinstance(res, Var):
                raise self._unsupported(
                    f"{self.dialect}.Model.addConstr with a {gen.kind}_ that is not 'var == {gen.kind}_(...)'"
                )
            return self._add_gen(gen.kind, res, gen.args, gen.constant, name)
        if sense == "range":
            low, high = rhs
            return self._add_range(as_expr(lhs), low, high, name)
        body = as_expr(lhs) - as_expr(rhs)
        return self._add_body(body, sense, name)

    def _add_body(self, body: LinExpr | QuadExpr, sense: str, name: str) -> Constr:
        """``body sense 0``, constant moved to the right-hand side."""
        if isinstance(body, QuadExpr) and not body._quad:
            body = body._lin_part
        if isinstance(body, QuadExpr):
            rhs = -body._lin_part._const
            body._lin_part._const = 0.0
            self._quads.append(_Quad(body, sense, rhs, name))
            obj = Constr(self, "quad", len(self._quads) - 1)
            self._quad_objs.append(obj)
            return obj
        rhs = -body._const
        terms = {v: c for v, c in body._terms.items()}
        return self._add_lin(terms, sense, rhs, name)

    def _add_lin(self, terms: dict[Var, float], sense: str, rhs: float, name: str) -> Constr:
        self._lins.append(_Lin(terms, sense, float(rhs), name))
        obj = Constr(self, "lin", len(self._lins) - 1)
        self._lin_objs.append(obj)
        return obj

    def _add_range(self, expr: LinExpr | QuadExpr, low: float, high: float, name: str) -> Constr:
        if isinstance(expr, QuadExpr):
            raise self._unsupported(f"{self.dialect}.Model.addRange on a quadratic expression")
        const = expr._const
        con = self._add_lin(dict(expr._terms), EQ, float(high) - const, name)
        lin = self._lins[con._index]
        lin.lo, lin.hi = coerce(low) - const, coerce(high) - const
        lin.sense = EQ if lin.lo == lin.hi else "range"
        return con

    def _add_lhs_sense_rhs(self, lhs: Any, sense: Any, rhs: Any, name: str) -> Any:
        """The three-argument form ``addConstr(lhs, sense, rhs)`` / ``addLConstr``."""
        if isinstance(lhs, TempConstr | IndicatorTemp | bool) and rhs is None:
            # ``addConstr(x + y <= 3, "name")``: the second positional argument is the name.
            return self._add_constraint(lhs, str(sense) if sense is not None and not name else name)
        canonical = _SENSES.get(str(sense).strip().upper())
        if canonical is None:
            raise self._error(10003, f"Invalid constraint sense '{sense}'")
        return self._add_constraint(TempConstr(lhs, canonical, rhs), name)

    def _add_gen(self, kind: str, res: Var, args: Iterable[Any], constant: float | None, name: str) -> Constr:
        flat = list(_flatten_vars(args))
        if kind in ("max", "min") and constant is None:
            numbers = [a for a in flat if is_number(a)]
            if numbers:
                constant = max(numbers) if kind == "max" else min(numbers)
        variables = [a for a in flat if isinstance(a, Var)]
        rest = [a for a in flat if not isinstance(a, Var) and not is_number(a)]
        if rest:
            raise self._unsupported(f"{self.dialect}.Model.addGenConstr{kind.capitalize()} with expression arguments")
        self._gens.append(_Gen(kind, name, res=res, args=variables, constant=constant))
        obj = Constr(self, "gen", len(self._gens) - 1)
        self._gen_objs.append(obj)
        return obj

    def _add_indicator(self, binvar: Any, value: Any, constraint: Any, name: str) -> Constr:
        if not isinstance(binvar, Var):
            raise self._error(10003, "Indicator variable must be a binary variable")
        if not isinstance(constraint, TempConstr) or constraint.sense not in (LE, GE, EQ):
            raise self._unsupported(f"{self.dialect}.Model.addGenConstrIndicator with a non-linear-constraint")
        body = as_expr(constraint.lhs) - as_expr(constraint.rhs)
        if isinstance(body, QuadExpr):
            if body._quad:
                raise self._unsupported(f"{self.dialect}.Model.addGenConstrIndicator with a quadratic constraint")
            body = body._lin_part
        self._gens.append(
            _Gen(
                "indicator",
                name,
                res=binvar,
                value=bool(round(float(value))),
                terms=dict(body._terms),
                sense=constraint.sense,
                rhs=-body._const,
            )
        )
        obj = Constr(self, "gen", len(self._gens) - 1)
        self._gen_objs.append(obj)
        return obj

    def _add_indicator_temp(self, item: IndicatorTemp, name: str) -> Constr:
        cond = item.condition
        var, value = (cond.lhs, cond.rhs) if isinstance(cond.lhs, Var) else (cond.rhs, cond.lhs)
        if cond.sense != EQ or not isinstance(var, Var) or not is_number(value):
            raise self._unsupported(f"{self.dialect}.Model.addConstr with an indicator condition other than 'b == 0/1'")
        return self._add_indicator(var, value, item.constraint, name)

    def _add_sos(self, kind: int, variables: list[Var], weights: list[float] | None) -> Constr:
        weights = list(weights) if weights is not None else [float(k + 1) for k in range(len(variables))]
        self._sos.append((int(kind), list(variables), [float(w) for w in weights]))
        obj = Constr(self, "sos", len(self._sos) - 1)
        self._sos_objs.append(obj)
        return obj

    def _constr_list(self, kind: str) -> list[Any]:
        if kind == "lin":
            return self._lins
        if kind == "quad":
            return self._quads
        return self._gens

    def _constr_getattr(self, con: Constr, name: str) -> Any:
        key = self._CONSTR_ATTRS.get(name.lower())
        if key is None:
            raise self._unsupported(f"{self.dialect}.Constr.{name}")
        if con._kind == "sos":
            raise self._unsupported(f"{self.dialect}.SOS.{name}")
        data = self._constr_list(con._kind)[con._index]
        i = con._index
        if key == "name":
            return data.name or self._default_constr_name(con._kind, i)
        if key == "sense":
            return self._sense_out(data.sense)
        if key == "rhs":
            return data.rhs if con._kind != "lin" or data.sense != "range" else data.hi
        if key in ("lb", "ub") and con._kind == "lin":
            bound = data.lo if key == "lb" else data.hi
            return bound if math.isfinite(bound) else math.copysign(self._infinity(), bound)
        if key == "index":
            return i
        sol = self._sol
        if key in ("slack", "activity"):
            if con._kind == "quad":
                if sol is None or sol.values is None:
                    raise self._unavailable(name)
                act = data.expr.getValue()
            else:
                if sol is None or sol.activity is None or i not in sol.activity:
                    raise self._unavailable(name)
                act = sol.activity[i]
            if key == "activity":
                return act
            return (data.rhs if data.sense != "range" else data.hi) - act
        if key == "pi":
            if sol is None or sol.duals is None or i not in sol.duals or con._kind != "lin":
                raise self._unavailable(name)
            return sol.duals[i]
        if key == "iis":
            if self._iis is None:
                raise self._unavailable(name)
            return int(con._kind == "lin" and i in self._iis[0])
        raise self._unsupported(f"{self.dialect}.Constr.{name}")

    def _constr_setattr(self, con: Constr, name: str, value: Any) -> None:
        key = self._CONSTR_ATTRS.get(name.lower())
        data = self._constr_list(con._kind)[con._index]
        if key == "name":
            data.name = str(value)
        elif key == "rhs" and con._kind == "lin":
            data.rhs = float(value)
            data.lo, data.hi = _range_of(data.sense, data.rhs)
        elif key == "rhs":
            data.rhs = float(value)
        elif key == "sense":
            data.sense = _SENSES[str(value).upper()]
            if con._kind == "lin":
                data.lo, data.hi = _range_of(data.sense, data.rhs)
        elif key in ("lb", "ub") and con._kind == "lin":
            if key == "lb":
                data.lo = coerce(value)
            else:
                data.hi = coerce(value)
            data.sense = "range"
            data.rhs = data.hi
        else:
            raise self._unsupported(f"{self.dialect}.Constr.{name} (setting)")

    def _row(self, con: Constr) -> LinExpr | QuadExpr:
        data = self._constr_list(con._kind)[con._index]
        if con._kind == "lin":
            expr = LinExpr()
            expr._terms = dict(data.terms)
            return expr
        if con._kind == "quad":
            row: QuadExpr = data.expr.copy()
            return row
        raise self._unsupported(f"{self.dialect}.Model.getRow on a general constraint")

    def _remove(self, item: Any) -> None:
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list | tuple):
            for each in item:
                self._remove(each)
            return
        if isinstance(item, Var):
            self._valive[item._index] = False
            self._name_index = None
        elif isinstance(item, Constr):
            if item._kind == "sos":
                self._sos[item._index] = (0, [], [])
            else:
                self._constr_list(item._kind)[item._index].alive = False
        else:
            raise self._error(10003, f"Cannot remove {type(item).__name__}")

    # -- objective and parameters ------------------------------------------------------------------------------

    def _set_objective(self, expr: Any, sense: int | None) -> None:
        if isinstance(expr, GenExpr):
            raise self._unsupported(f"{self.dialect}.Model.setObjective with a max_/min_/abs_ expression")
        self._obj = as_expr(expr)
        if sense is not None:
            self._sense = int(sense)

    def _set_param(self, name: str, value: Any) -> None:
        key = self._PARAM_ALIASES.get(str(name).lower(), str(name).lower())
        self._params[key] = value

    def _get_param(self, name: str) -> Any:
        key = self._PARAM_ALIASES.get(str(name).lower(), str(name).lower())
        if key in self._params:
            return self._params[key]
        return self._param_default(key, name)

    def _quiet(self) -> bool:
        params = self._params
        return any(int(float(params.get(k, 1))) == 0 for k in ("outputflag", "logtoconsole"))

    # -- the solve ---------------------------------------------------------------------------------------------

    def _alive_vars(self) -> list[Var]:
        return [v for v in self._vars if self._valive[v._index]]

    def _lower(self) -> Lowered:
        low = Lowered(maximize=self._sense < 0)
        col: dict[int, int] = {}
        semi: list[int] = []
        for var in self._alive_vars():
            i = var._index
            kind = self._vtype[i]
            lb, ub = self._vlb[i], self._vub[i]
            if kind == "B":
                lb, ub = max(lb, 0.0), min(ub, 1.0)
            if kind in ("S", "N"):
                semi.append(i)
            col[i] = low.add_col(self._var_name(var), lb, ub, kind in ("B", "I", "N"))
            low.var_of_col.append(i)
        low.n_user = len(col)

        def cols(terms: dict[Var, float]) -> dict[int, float]:
            out: dict[int, float] = {}
            for v, c in terms.items():
                j = col.get(v._index)
                if j is not None and c != 0.0:
                    out[j] = out.get(j, 0.0) + c
            return out

        obj = self._obj
        lin = obj._lin_part if isinstance(obj, QuadExpr) else obj
        for j, c in cols(lin._terms).items():
            low.cost[j] += c
        low.offset = lin._const
        if isinstance(obj, QuadExpr):
            for (a, b), c in obj._quad.items():
                ja, jb = col.get(a._index), col.get(b._index)
                if ja is None or jb is None or c == 0.0:
                    continue
                key = (min(ja, jb), max(ja, jb))
                low.qobj[key] = low.qobj.get(key, 0.0) + c
        for k, con in enumerate(self._lins):
            if con.alive:
                low.row_of[k] = low.add_row(cols(con.terms), con.lo, con.hi, con.name or f"R{k}")
        for k, q in enumerate(self._quads):
            if not q.alive:
                continue
            quad: dict[tuple[int, int], float] = {}
            for (a, b), c in q.expr._quad.items():
                ja, jb = col.get(a._index), col.get(b._index)
                if ja is not None and jb is not None and c:
                    key = (min(ja, jb), max(ja, jb))
                    quad[key] = quad.get(key, 0.0) + c
            lo, hi = _range_of(q.sense, q.rhs)
            low.qrows.append((cols(q.expr._lin_part._terms), quad, lo, hi, q.name or f"QC{k}"))
        for k, g in enumerate(self._gens):
            if g.alive:
                self._lower_gen(low, g, col, cols, f"GC{k}")
        for kind, variables, weights in self._sos:
            if kind:
                members = [(col[v._index], w) for v, w in zip(variables, weights, strict=False) if v._index in col]
                low.sos.append((kind, [m[0] for m in members], [m[1] for m in members]))
        for i in semi:
            j = col[i]
            lb, ub = low.lb[j], low.ub[j]
            if not math.isfinite(ub):
                raise self._unsupported(f"{self.dialect} semi-continuous variable without a finite upper bound")
            z = low.add_binary(f"_semi_{j}")
            low.add_row({j: 1.0, z: -ub}, -INF, 0.0, f"_semi_ub_{j}")
            low.add_row({j: 1.0, z: -lb}, 0.0, INF, f"_semi_lb_{j}")
            low.lb[j] = min(0.0, lb)
            low.notes.append("semi-continuous variables reformulated with binaries")
        return low

    def _lower_gen(self, low: Lowered, g: _Gen, col: dict[int, int], cols: Any, default: str) -> None:
        name = g.name or default
        res = col.get(g.res._index) if g.res is not None else None
        if res is None:
            return
        args = [col[v._index] for v in g.args if v._index in col]
        if g.kind in ("max", "min"):
            low.gen_max(res, args, g.constant, name, is_min=g.kind == "min")
        elif g.kind == "abs":
            if len(args) != 1:
                raise self._error(10003, "abs_ takes exactly one variable")
            low.gen_abs(res, args[0], name)
        elif g.kind in ("and", "or"):
            for j in [res, *args]:
                if not low.integer[j] or low.lb[j] < 0 or low.ub[j] > 1:
                    raise self._error(10003, f"{g.kind}_ constraints need binary variables")
            (low.gen_and if g.kind == "and" else low.gen_or)(res, args, name)
        elif g.kind == "indicator":
            low.indicator(res, g.value, cols(g.terms), g.sense, g.rhs, name)
        else:
            raise self._unsupported(f"{self.dialect} general constraint {g.kind}")
        low.notes.append(f"{g.kind} constraints reformulated exactly (binaries, big-M from bounds or indicators)")

    def solve(self) -> None:
        """Lower the model, solve it with HiGHS or SCIP, and store the answer (``self.outcome`` and attributes)."""
        start = time.perf_counter()
        self.outcome = None
        self._sol = None
        self._iis = None
        notes = list(self._notes)
        try:
            low = self._lower()
        except Exception as exc:
            self.outcome = self._failed_outcome(f"{type(exc).__name__}: {exc}", notes)
            self._status_code = self._status_of("solver_error", "")
            raise
        notes.extend(dict.fromkeys(low.notes))
        use_scip = low.scip_only or (bool(low.qobj) and (low.has_integer or not low.objective_is_convex()))
        params = dict(self._params)
        threads = params.get("threads")
        if threads and int(threads) > (os.cpu_count() or 1):
            notes.append(f"Threads={threads} capped at {os.cpu_count()}")
        for key in params:
            if key not in _HONOURED:
                notes.append(f"parameter {key} accepted but not applied")
        self._log_start(low)
        try:
            raw = backend.solve_scip(low, params) if use_scip else backend.solve_highs(low, params)
        except Exception as exc:
            self.outcome = self._failed_outcome(f"{type(exc).__name__}: {exc}", notes)
            self._status_code = self._status_of("solver_error", "")
            raise self._error(10001, f"solver failed: {exc}") from exc
        notes.append(f"{self.dialect} compat: solved with {'SCIP' if use_scip else 'HiGHS'}")
        notes.extend(raw.notes)
        self._store(low, raw, time.perf_counter() - start)
        self.outcome = self._outcome(low, raw, notes, use_scip)
        self._log_end(raw)

    def _store(self, low: Lowered, raw: backend.RawResult, runtime: float) -> None:
        sol = _Solution(runtime=runtime, iterations=raw.iterations, nodes=raw.nodes)
        sol.is_mip = low.has_integer or low.scip_only
        if raw.col_values is not None and raw.termination in ("optimal", "feasible"):
            sol.values = {low.var_of_col[j]: raw.col_values[j] + 0.0 for j in range(low.n_user)}
            sol.objective = raw.objective
            if raw.row_activity is not None:
                sol.activity = {k: raw.row_activity[r] for k, r in low.row_of.items()}
        sol.bound = raw.bound
        sol.mip_gap = raw.mip_gap
        if raw.row_duals is not None and raw.col_duals is not None:
            sol.duals = {k: raw.row_duals[r] + 0.0 for k, r in low.row_of.items()}
            sol.reduced = {low.var_of_col[j]: raw.col_duals[j] + 0.0 for j in range(low.n_user)}
        self._sol = sol
        self._status_code = self._status_of(raw.termination, raw.limit)

    def _outcome(self, low: Lowered, raw: backend.RawResult, notes: list[str], use_scip: bool) -> SolveOutcome:
        names = unique_names([low.names[j] for j in range(low.n_user)], "C")
        values: dict[str, float] = {}
        if raw.col_values is not None and raw.termination in ("optimal", "feasible"):
            values = {names[j]: raw.col_values[j] + 0.0 for j in range(low.n_user)}
        instance = None
        instance_values = None
        if not low.scip_only:
            instance = backend.lowered_instance(low)
            if raw.col_values is not None and raw.termination in ("optimal", "feasible"):
                keys = unique_names(low.names, "c")
                instance_values = {k: v + 0.0 for k, v in zip(keys, raw.col_values, strict=False)}
        has_objective = bool(low.qobj) or any(c != 0 for c in low.cost)
        return SolveOutcome(
            termination=raw.termination,
            raw_status=raw.raw_status,
            solver=raw.solver,
            solver_version=raw.version,
            sense=("maximize" if low.maximize else "minimize") if has_objective else "feasibility",
            objective_value=raw.objective if values else None,
            objective_bound=raw.bound,
            mip_gap=raw.mip_gap if values else None,
            values=values,
            stats=_stats(low),
            notes=list(dict.fromkeys(notes)),
            instance=instance,
            instance_values=instance_values,
        )

    def _failed_outcome(self, why: str, notes: list[str]) -> SolveOutcome:
        return SolveOutcome(
            termination="solver_error",
            raw_status=why,
            solver="",
            solver_version="",
            sense="maximize" if self._sense < 0 else "minimize",
            objective_value=None,
            objective_bound=None,
            mip_gap=None,
            values={},
            stats={},
            notes=[*notes, why],
        )

    def _compute_iis(self) -> None:
        low = self._lower()
        found = backend.highs_iis(low)
        if found is None:
            raise self._error(10015, "Cannot compute IIS on a feasible model")
        rows, cols = found
        users = {r: k for k, r in low.row_of.items()}
        self._iis = (
            {users[r] for r in rows if r in users},
            {low.var_of_col[j]: side for j, side in cols.items() if j < low.n_user},
        )
        if not self._quiet():
            print(f"IIS computed: {len(self._iis[0])} constraints, {len(self._iis[1])} bounds")  # noqa: T201

    def _write(self, path: str) -> None:

        lower = path.lower()
        if lower.endswith((".lp", ".mps", ".lp.gz", ".mps.gz")):
            low = self._lower()
            if low.scip_only:
                raise self._unsupported(f"{self.dialect}.Model.write of quadratic/indicator/SOS constraints")
            backend.swallow_highs_banner()  # the writer builds a Highs: its banner is not the program's output
            write_instance(path, backend.lowered_instance(low))
        elif lower.endswith((".sol", ".json", ".mst")):
            with open(path, "w", encoding="utf-8") as handle:
                for var in self._alive_vars():
                    try:
                        handle.write(f"{self._var_name(var)} {self._var_value(var)!r}\n")
                    except Exception:  # noqa: BLE001 - no solution: an empty file, as the packages write
                        break
        elif lower.endswith((".prm", ".ilp", ".bas", ".attr", ".hnt", ".ord", ".dua", ".dlp", ".rew", ".rlp")):
            self._notes.append(f"write({os.path.basename(path)}) skipped: format not supported by the compat layer")
        else:
            raise self._error(10013, f"Unknown file type for file '{path}'")

    # -- log ---------------------------------------------------------------------------------------------------

    def _log_start(self, low: Lowered) -> None:
        if self._quiet():
            return
        nnz = sum(len(r[0]) for r in low.rows)
        kinds = f"{sum(low.integer)} integer" if low.has_integer else "continuous"
        print(  # noqa: T201
            f"{self.dialect} compat layer: optimize a model with {len(low.rows) + len(low.qrows)} rows, "
            f"{len(low.names)} columns and {nnz} nonzeros ({kinds})"
        )

    def _log_end(self, raw: backend.RawResult) -> None:
        if self._quiet():
            return
        solver = "HiGHS" if raw.solver == "highs" else "SCIP"
        print(f"Solved with {solver} {raw.version} in {raw.runtime:.2f} seconds: {raw.termination}")  # noqa: T201
        if raw.objective is not None:
            bound = f", best bound {raw.bound:.12e}" if raw.bound is not None else ""
            print(f"Best objective {raw.objective:.12e}{bound}")  # noqa: T201

    # -- model attributes --------------------------------------------------------------------------------------

    def _model_attr(self, key: str, name: str) -> Any:
        sol = self._sol
        alive = self._alive_vars()
        if key == "status":
            return self._status_code
        if key == "objval":
            if sol is None or sol.objective is None:
                return self._no_objective(name)
            return sol.objective
        if key == "objbound":
            if sol is None or sol.bound is None:
                raise self._unavailable(name)
            return sol.bound
        if key == "mipgap":
            if sol is None or sol.mip_gap is None or not sol.is_mip:
                raise self._unavailable(name)
            return sol.mip_gap
        if key == "solcount":
            return int(sol is not None and sol.values is not None)
        if key == "runtime":
            return sol.runtime if sol is not None else 0.0
        if key == "itercount":
            return sol.iterations if sol is not None else 0
        if key == "nodecount":
            return sol.nodes if sol is not None else 0
        if key == "numvars":
            return len(alive)
        if key == "numconstrs":
            return sum(1 for c in self._lins if c.alive)
        if key == "numqconstrs":
            return sum(1 for c in self._quads if c.alive)
        if key == "numgenconstrs":
            return sum(1 for c in self._gens if c.alive)
        if key == "numsos":
            return sum(1 for s in self._sos if s[0])
        if key == "numintvars":
            return sum(1 for v in alive if self._vtype[v._index] in ("B", "I", "N"))
        if key == "numbinvars":
            return sum(1 for v in alive if self._vtype[v._index] == "B")
        if key == "numnzs":
            return sum(len(c.terms) for c in self._lins if c.alive)
        if key == "ismip":
            return int(any(self._vtype[v._index] != "C" for v in alive) or bool(self._sos) or bool(self._gens))
        if key == "isqp":
            return int(isinstance(self._obj, QuadExpr) and bool(self._obj._quad))
        if key == "isqcp":
            return int(any(c.alive for c in self._quads))
        if key == "modelsense":
            return self._sense
        if key == "modelname":
            return self._name
        if key == "objcon":
            lin = self._obj._lin_part if isinstance(self._obj, QuadExpr) else self._obj
            return lin._const
        if key == "hassol":
            return int(sol is not None and sol.values is not None)
        if key == "hasmipsol":
            return int(sol is not None and sol.values is not None and sol.is_mip)
        if key == "haslpsol":
            return int(sol is not None and sol.values is not None and not sol.is_mip)
        if key == "lpobjval":
            if sol is None or sol.objective is None or sol.is_mip:
                return self._no_objective(name)
            return sol.objective
        raise self._unsupported(f"{self.dialect}.Model.{name}")

    def _set_model_attr(self, key: str, name: str, value: Any) -> None:
        if key == "modelsense":
            self._sense = int(value)
        elif key == "modelname":
            self._name = str(value)
        elif key == "objcon":
            lin = self._obj._lin_part if isinstance(self._obj, QuadExpr) else self._obj
            lin._const = float(value)
        else:
            raise self._unsupported(f"{self.dialect}.Model.{name} (setting)")

    # -- front hooks -------------------------------------------------------------------------------------------

    def _initial_status(self) -> int:
        return 1

    def _status_of(self, termination: str, limit: str) -> int:
        raise NotImplementedError

    def _infinity(self) -> float:
        return 1e100

    def _undefined(self) -> float:
        return 1e101

    def _default_var_name(self, index: int) -> str:
        return f"C{index}"

    def _default_constr_name(self, kind: str, index: int) -> str:
        return {"lin": "R", "quad": "QC", "gen": "GC"}.get(kind, "R") + str(index)

    def _sense_out(self, sense: str) -> str:
        return sense

    def _no_objective(self, name: str) -> Any:
        raise self._unavailable(name)

    def _param_default(self, key: str, name: str) -> Any:
        raise self._unsupported(f"{self.dialect} parameter {name}")

    def _error(self, errno: int, message: str) -> Exception:
        return RuntimeError(message)

    def _unavailable(self, name: str) -> Exception:
        return AttributeError(f"Unable to retrieve attribute '{name}'")

    def _unsupported(self, call: str) -> Exception:
        return AttributeError(f"unsupported: {call}")

    def _var_repr(self, var: Var) -> str:
        return f"<Var {self._var_name(var)}>"

    def _var_str(self, var: Var) -> str:
        return self._var_repr(var)

    def _constr_repr(self, con: Constr) -> str:
        return f"<Constr {self._constr_getattr(con, 'name') if self._CONSTR_ATTRS else con._index}>"


_SENSES = {
    "<": LE,
    "<=": LE,
    "L": LE,
    "=<": LE,
    ">": GE,
    ">=": GE,
    "G": GE,
    "=>": GE,
    "=": EQ,
    "==": EQ,
    "E": EQ,
}

_HONOURED = frozenset(
    {
        "timelimit",
        "mipgap",
        "mipgapabs",
        "seed",
        "presolve",
        "nodelimit",
        "solutionlimit",
        "feasibilitytol",
        "intfeastol",
        "optimalitytol",
        "method",
        "threads",
        "outputflag",
        "logtoconsole",
        "nonconvex",
    }
)


def _flatten_vars(args: Iterable[Any]) -> Iterable[Any]:
    for arg in args:
        if isinstance(arg, dict):
            yield from arg.values()
        elif isinstance(arg, list | tuple | set):
            yield from _flatten_vars(arg)
        elif isinstance(arg, LinExpr) and len(arg._terms) == 1 and not arg._const:
            ((var, coeff),) = arg._terms.items()
            yield var if coeff == 1.0 else arg
        else:
            yield arg


def _stats(low: Lowered) -> dict[str, Any]:
    integer = sum(1 for j, flag in enumerate(low.integer) if flag and not (low.lb[j] >= 0 and low.ub[j] <= 1))
    binary = sum(1 for j, flag in enumerate(low.integer) if flag and low.lb[j] >= 0 and low.ub[j] <= 1)
    stats: dict[str, Any] = {
        "variables": len(low.names),
        "continuous": len(low.names) - integer - binary,
        "integer": integer,
        "binary": binary,
        "constraints": len(low.rows) + len(low.qrows) + len(low.indicators) + len(low.sos),
        "nonzeros": sum(len(r[0]) for r in low.rows),
        "linear_constraints": len(low.rows),
        "quadratic_constraints": len(low.qrows),
        "nonlinear_constraints": 0,
        "objective": "quadratic" if low.qobj else ("linear" if any(c != 0 for c in low.cost) else "none"),
    }
    if low.indicators or low.sos:
        stats["logical_constraints"] = len(low.indicators) + len(low.sos)
    return stats

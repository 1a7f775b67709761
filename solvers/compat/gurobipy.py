"""The gurobipy front of the compat layer: ``import gurobipy as gp`` programs run on HiGHS/SCIP unchanged.

Constants have the real package's values (``GRB.OPTIMAL == 2``); attribute reads are case-insensitive like
gurobipy's; an attribute that has no value (``X`` with no solution) raises :class:`GurobiError` *and*
``AttributeError`` at once, so both the old (GurobiError) and the new (AttributeError) ``except`` clauses of
programs behave as they would with the package. Anything not implemented raises an error starting
``unsupported: gurobipy.<call>``, never a bare AttributeError.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable
from typing import Any

from solvers.compat.core import _SENSES, CoreModel
from solvers.compat.expr import EQ, GE, LE, Constr, GenExpr, LinExpr, QuadExpr, TempConstr, Var, as_expr, quicksum
from solvers.compat.lowering import coerce
from solvers.compat.tupledict import multidict, tupledict, tuplelist

__all__ = [
    "GRB",
    "Constr",
    "Env",
    "GenConstr",
    "GurobiError",
    "LinExpr",
    "Model",
    "QConstr",
    "QuadExpr",
    "SOS",
    "TempConstr",
    "Var",
    "abs_",
    "and_",
    "disposeDefaultEnv",
    "max_",
    "min_",
    "multidict",
    "or_",
    "quicksum",
    "setParam",
    "tupledict",
    "tuplelist",
]

__version__ = "13.0.0-compat"


class GurobiError(Exception):
    """gurobipy's error: ``errno`` and ``message`` like the real one."""

    def __init__(self, errno: int, message: str = "") -> None:
        if not message and isinstance(errno, str):
            errno, message = 10000, errno
        super().__init__(message)
        self.errno = errno
        self.message = message

    def __str__(self) -> str:
        return self.message


class GurobiAttributeError(GurobiError, AttributeError):
    """An attribute with no value now (``X`` before a solve): caught by GurobiError and AttributeError clauses."""


class UnsupportedError(GurobiError, AttributeError):
    """A gurobipy feature the compat layer does not implement; the message starts ``unsupported:``."""


class _Constants:
    """A namespace of constants that reports unknown names as unsupported."""

    _label = "gurobipy.GRB"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedError(10003, f"unsupported: {self._label}.{name}")


class _Status(_Constants):
    _label = "gurobipy.GRB.Status"
    LOADED = 1
    OPTIMAL = 2
    INFEASIBLE = 3
    INF_OR_UNBD = 4
    UNBOUNDED = 5
    CUTOFF = 6
    ITERATION_LIMIT = 7
    NODE_LIMIT = 8
    TIME_LIMIT = 9
    SOLUTION_LIMIT = 10
    INTERRUPTED = 11
    NUMERIC = 12
    SUBOPTIMAL = 13
    INPROGRESS = 14
    USER_OBJ_LIMIT = 15
    WORK_LIMIT = 16
    MEM_LIMIT = 17


class _Names(_Constants):
    """``GRB.Attr`` / ``GRB.Param``: each name is its own string value."""

    def __init__(self, label: str) -> None:
        self._label = label

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return name


class _GRB(_Status):
    _label = "gurobipy.GRB"
    Status = _Status()
    Attr = _Names("gurobipy.GRB.Attr")
    Param = _Names("gurobipy.GRB.Param")
    Callback = _Names("gurobipy.GRB.Callback")
    INFINITY = 1e100
    UNDEFINED = 1e101
    MAXINT = 2000000000
    MINIMIZE = 1
    MAXIMIZE = -1
    LESS_EQUAL = "<"
    GREATER_EQUAL = ">"
    EQUAL = "="
    CONTINUOUS = "C"
    BINARY = "B"
    INTEGER = "I"
    SEMICONT = "S"
    SEMIINT = "N"
    SOS_TYPE1 = 1
    SOS_TYPE2 = 2
    GENCONSTR_MAX = 0
    GENCONSTR_MIN = 1
    GENCONSTR_ABS = 2
    GENCONSTR_AND = 3
    GENCONSTR_OR = 4
    GENCONSTR_NORM = 5
    GENCONSTR_INDICATOR = 6
    BASIC = 0
    NONBASIC_LOWER = -1
    NONBASIC_UPPER = -2
    SUPERBASIC = -3
    VERSION_MAJOR = 13
    VERSION_MINOR = 0
    VERSION_TECHNICAL = 0


GRB = _GRB()

_STATUS = {"optimal": 2, "infeasible": 3, "infeasible_or_unbounded": 4, "unbounded": 5, "solver_error": 12}
_LIMIT_STATUS = {"time": 9, "nodes": 8, "solutions": 10, "iterations": 7, "interrupt": 11}

_MODEL_ATTRS = {
    name.lower(): key
    for name, key in {
        "Status": "status",
        "ObjVal": "objval",
        "ObjBound": "objbound",
        "ObjBoundC": "objbound",
        "MIPGap": "mipgap",
        "SolCount": "solcount",
        "Runtime": "runtime",
        "IterCount": "itercount",
        "BarIterCount": "itercount",
        "NodeCount": "nodecount",
        "NumVars": "numvars",
        "NumConstrs": "numconstrs",
        "NumQConstrs": "numqconstrs",
        "NumGenConstrs": "numgenconstrs",
        "NumSOS": "numsos",
        "NumIntVars": "numintvars",
        "NumBinVars": "numbinvars",
        "NumNZs": "numnzs",
        "IsMIP": "ismip",
        "IsQP": "isqp",
        "IsQCP": "isqcp",
        "ModelSense": "modelsense",
        "ModelName": "modelname",
        "ObjCon": "objcon",
        "PoolObjVal": "objval",
    }.items()
}
_VAR_ATTRS = {
    name.lower(): key
    for name, key in {
        "X": "x",
        "Xn": "x",
        "PoolNX": "x",
        "LB": "lb",
        "UB": "ub",
        "VType": "vtype",
        "VarName": "name",
        "Obj": "obj",
        "Start": "start",
        "RC": "rc",
        "index": "index",
        "IISLB": "iislb",
        "IISUB": "iisub",
    }.items()
}
_CONSTR_ATTRS = {
    name.lower(): key
    for name, key in {
        "ConstrName": "name",
        "QCName": "name",
        "GenConstrName": "name",
        "Sense": "sense",
        "QCSense": "sense",
        "RHS": "rhs",
        "QCRHS": "rhs",
        "Slack": "slack",
        "QCSlack": "slack",
        "Pi": "pi",
        "QCPi": "pi",
        "IISConstr": "iis",
        "IISQConstr": "iis",
        "IISGenConstr": "iis",
        "index": "index",
    }.items()
}
_PARAM_ALIASES = {"mipgap": "mipgap", "mipgapabs": "mipgapabs", "logtoconsole": "logtoconsole"}
_PARAM_DEFAULTS: dict[str, Any] = {
    "timelimit": math.inf,
    "mipgap": 1e-4,
    "mipgapabs": 1e-10,
    "outputflag": 1,
    "logtoconsole": 1,
    "threads": 0,
    "seed": 0,
    "presolve": -1,
    "mipfocus": 0,
    "nonconvex": -1,
    "method": -1,
    "dualreductions": 1,
    "infunbdinfo": 0,
    "nodelimit": math.inf,
    "solutionlimit": 2000000000,
    "feasibilitytol": 1e-6,
    "intfeastol": 1e-5,
    "optimalitytol": 1e-6,
    "logfile": "",
    "iismethod": -1,
    "heuristics": 0.05,
    "cuts": -1,
}

_GLOBAL_PARAMS: dict[str, Any] = {}


class _Params:
    """``model.Params.TimeLimit = 10`` / ``model.params.OutputFlag`` (case-insensitive)."""

    def __init__(self, model: Model | None) -> None:
        object.__setattr__(self, "_model", model)

    def __setattr__(self, name: str, value: Any) -> None:
        if self._model is None:
            _GLOBAL_PARAMS[name.lower()] = value
        else:
            self._model.setParam(name, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._model is None:
            return _GLOBAL_PARAMS.get(name.lower(), _PARAM_DEFAULTS.get(name.lower()))
        return self._model.getParamInfo(name)[2]

    def __repr__(self) -> str:
        return "<gurobipy.ParamClass>"


class Env:
    """An environment: holds parameters that models created with it start from."""

    def __init__(self, logfilename: str = "", empty: bool = False, params: dict[str, Any] | None = None) -> None:
        self._params: dict[str, Any] = {k.lower(): v for k, v in (params or {}).items()}

    def setParam(self, name: str, value: Any) -> None:
        """Set a parameter for models created with this environment."""
        self._params[str(name).lower()] = value

    def start(self) -> Env:
        """Nothing to start: returns the environment."""
        return self

    def dispose(self) -> None:
        """Nothing to release."""

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> Env:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedError(10003, f"unsupported: gurobipy.Env.{name}")


class Model(CoreModel):
    """gurobipy's ``Model`` on the compat core."""

    dialect = "gurobipy"
    _MODEL_ATTRS = _MODEL_ATTRS
    _VAR_ATTRS = _VAR_ATTRS
    _CONSTR_ATTRS = _CONSTR_ATTRS
    _PARAM_ALIASES = _PARAM_ALIASES

    def __init__(self, name: str = "", env: Env | None = None, **_kwargs: Any) -> None:
        super().__init__(name)
        for key, value in {**_GLOBAL_PARAMS, **(env._params if env is not None else {})}.items():
            self._set_param(key, value)

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"<gurobi.Model {'MIP' if self.IsMIP else 'Continuous'} instance {self._name}: " + (
            f"{self.NumConstrs} constrs, {self.NumVars} vars>"
        )

    # -- building ----------------------------------------------------------------------------------------------

    def addVar(
        self,
        lb: float = 0.0,
        ub: float = GRB.INFINITY,
        obj: float = 0.0,
        vtype: str = GRB.CONTINUOUS,
        name: str = "",
        column: Any = None,
    ) -> Var:
        """Add one variable."""
        if column is not None:
            raise UnsupportedError(10003, "unsupported: gurobipy.Model.addVar(column=...)")
        return self._new_var(lb, ub, obj, vtype, name)

    def addVars(
        self,
        *indices: Any,
        lb: Any = 0.0,
        ub: Any = GRB.INFINITY,
        obj: Any = 0.0,
        vtype: Any = GRB.CONTINUOUS,
        name: Any = None,
    ) -> tupledict:
        """Add a variable per index combination; returns a ``tupledict``."""

        def names(key: Any, pos: int) -> str:
            if name is None or name == "":
                return ""
            if isinstance(name, str):
                parts = key if isinstance(key, tuple) else (key,)
                return f"{name}[{','.join(str(p) for p in parts)}]"
            if isinstance(name, dict):
                return str(name.get(key, ""))
            return str(list(name)[pos])

        return self._add_vars(indices, lb, ub, obj, vtype, names)

    def addConstr(self, constr: Any, name: str = "") -> Any:
        """Add a linear, quadratic, general (``y == max_(...)``) or indicator constraint."""
        return self._add_constraint(constr, name)

    def addLConstr(self, lhs: Any, sense: Any = None, rhs: Any = None, name: str = "") -> Any:
        """``addLConstr(lhs, sense, rhs)`` or ``addLConstr(temp_constr)``."""
        return self._add_lhs_sense_rhs(lhs, sense, rhs, name)

    def addQConstr(self, lhs: Any, sense: Any = None, rhs: Any = None, name: str = "") -> Any:
        """A quadratic constraint (sent to SCIP)."""
        return self._add_lhs_sense_rhs(lhs, sense, rhs, name)

    def addConstrs(self, generator: Iterable[Any], name: str = "") -> tupledict:
        """One constraint per generator item, keyed by the generator's loop variables (like gurobipy)."""
        return _add_constrs(self, generator, lambda key: _bracket(name, key) if name else "")

    def addRange(self, expr: Any, lower: float, upper: float, name: str = "") -> Any:
        """``lower <= expr <= upper`` as one ranged row."""
        return self._add_range(as_expr(expr), lower, upper, name)

    def _add_range(self, expr: LinExpr | QuadExpr, low: float, high: float, name: str) -> Constr:
        """A ranged row the way Gurobi stores it: ``expr + Rg<name> == high`` with ``0 <= Rg<name> <= high - low``.

        Gurobi adds a range variable named ``Rg`` + the constraint's name (``addRange`` and ``expr == [lo, hi]``
        alike): it shows up in ``getVars()`` and ``NumVars``, carries the row's slack (the constraint's ``Slack``
        is 0, its ``Sense`` is ``=`` and ``RHS`` is ``high``), and stays when the constraint is removed. Programs
        print ``getVars()`` and read ``Slack``, so the look-alike adds the same column. With one side infinite,
        Gurobi adds a plain inequality and no variable.
        """
        if isinstance(expr, QuadExpr):
            return super()._add_range(expr, low, high, name)
        lower, upper = coerce(low), coerce(high)
        if not (math.isfinite(lower) and math.isfinite(upper)) or lower > upper:
            if math.isfinite(upper) and not math.isfinite(lower):
                return self._add_body(expr - upper, LE, name)
            if math.isfinite(lower) and not math.isfinite(upper):
                return self._add_body(expr - lower, GE, name)
            return super()._add_range(expr, low, high, name)
        label = name or self._default_constr_name("lin", len(self._lins))
        rg = self._new_var(0.0, upper - lower, 0.0, "C", f"Rg{label}")
        terms = dict(expr._terms)
        terms[rg] = terms.get(rg, 0.0) + 1.0
        return self._add_lin(terms, EQ, upper - expr._const, name)

    def addGenConstrMax(self, resvar: Var, vars: Any, constant: float | None = None, name: str = "") -> Any:
        """``resvar = max(vars, constant)``."""
        return self._add_gen("max", resvar, vars, _finite_or_none(constant), name)

    def addGenConstrMin(self, resvar: Var, vars: Any, constant: float | None = None, name: str = "") -> Any:
        """``resvar = min(vars, constant)``."""
        return self._add_gen("min", resvar, vars, _finite_or_none(constant), name)

    def addGenConstrAbs(self, resvar: Var, argvar: Var, name: str = "") -> Any:
        """``resvar = |argvar|``."""
        return self._add_gen("abs", resvar, [argvar], None, name)

    def addGenConstrAnd(self, resvar: Var, vars: Any, name: str = "") -> Any:
        """``resvar = AND(vars)`` over binaries."""
        return self._add_gen("and", resvar, vars, None, name)

    def addGenConstrOr(self, resvar: Var, vars: Any, name: str = "") -> Any:
        """``resvar = OR(vars)`` over binaries."""
        return self._add_gen("or", resvar, vars, None, name)

    def addGenConstrIndicator(
        self, binvar: Var, binval: Any, lhs: Any, sense: Any = None, rhs: Any = None, name: str = ""
    ) -> Any:
        """``binvar == binval  ->  lhs sense rhs``."""
        if sense is not None:
            lhs = TempConstr(lhs, _SENSES[str(sense).upper()], rhs)
        return self._add_indicator(binvar, binval, lhs, name)

    def addSOS(self, type: int, vars: list[Var], wts: list[float] | None = None) -> Any:  # noqa: A002
        """An SOS1/SOS2 constraint (sent to SCIP)."""
        return self._add_sos(type, list(vars), wts)

    def setObjective(self, expr: Any, sense: int | None = None) -> None:
        """Set the objective (and optionally the sense)."""
        self._set_objective(expr, sense)

    def setParam(self, paramname: str, newval: Any) -> None:
        """Set a parameter (case-insensitive name)."""
        self._set_param(paramname, newval)
        if not self._quiet() and str(paramname).lower() not in ("outputflag", "logtoconsole"):
            print(f"Set parameter {paramname} to value {newval}")  # noqa: T201

    def getParamInfo(self, paramname: str) -> tuple[str, type, Any, Any, Any, Any]:
        """``(name, type, value, min, max, default)``."""
        key = str(paramname).lower()
        value = self._params.get(key, _PARAM_DEFAULTS.get(key))
        if value is None and key not in self._params:
            raise GurobiError(10007, f"Unknown parameter '{paramname}'")
        default = _PARAM_DEFAULTS.get(key)
        return (str(paramname), type(value), value, None, None, default)

    @property
    def Params(self) -> _Params:  # noqa: N802 - the API's name
        """The parameter namespace."""
        return _Params(self)

    params = Params
    Param = Params

    def update(self) -> None:
        """Nothing is pending in the compat model: changes apply at once."""

    def optimize(self, callback: Any = None) -> None:
        """Solve the model."""
        if callback is not None:
            raise UnsupportedError(10003, "unsupported: gurobipy.Model.optimize(callback)")
        self.solve()

    def reset(self, clearall: int = 0) -> None:
        """Discard the solution."""
        self._sol = None
        self._status_code = 1

    def computeIIS(self) -> None:
        """Find an irreducible infeasible subset (HiGHS, on the linear rows; LP relaxation of a MIP)."""
        self._compute_iis()

    def feasRelaxS(self, *args: Any, **kwargs: Any) -> Any:
        """Not implemented."""
        raise UnsupportedError(10003, "unsupported: gurobipy.Model.feasRelaxS")

    def getVars(self) -> list[Var]:
        """Variables in order."""
        return self._alive_vars()

    def getConstrs(self) -> list[Constr]:
        """Linear constraints in order."""
        return [c for c, d in zip(self._lin_objs, self._lins, strict=True) if d.alive]

    def getQConstrs(self) -> list[Constr]:
        """Quadratic constraints in order."""
        return [c for c, d in zip(self._quad_objs, self._quads, strict=True) if d.alive]

    def getGenConstrs(self) -> list[Constr]:
        """General constraints in order."""
        return [c for c, d in zip(self._gen_objs, self._gens, strict=True) if d.alive]

    def getSOSs(self) -> list[Constr]:
        """SOS constraints."""
        return [c for c, s in zip(self._sos_objs, self._sos, strict=True) if s[0]]

    def getVarByName(self, name: str) -> Var | None:
        """The variable with this name, or None."""
        if self._name_index is None:
            self._name_index = {}
            for var in reversed(self._alive_vars()):
                self._name_index[self._var_name(var)] = var
        return self._name_index.get(name)

    def getConstrByName(self, name: str) -> Constr | None:
        """The linear constraint with this name, or None."""
        for con in self.getConstrs():
            if con.ConstrName == name:
                return con
        return None

    def getQConstrByName(self, name: str) -> Constr | None:  # noqa: D102
        return next((c for c in self.getQConstrs() if c.QCName == name), None)

    def getRow(self, constr: Constr) -> Any:
        """The constraint's left-hand side as an expression."""
        return self._row(constr)

    def getQCRow(self, qconstr: Constr) -> Any:
        """A quadratic constraint's left-hand side."""
        return self._row(qconstr)

    def getObjective(self, index: int | None = None) -> Any:
        """The objective expression."""
        return self._obj.copy()

    def getAttr(self, attrname: str, objs: Any = None) -> Any:
        """A model attribute, or the attribute of each of ``objs`` (a list or a dict, which keeps its keys)."""
        if objs is None:
            return getattr(self, str(attrname))
        if isinstance(objs, dict):
            result = tupledict()
            for key, obj in objs.items():
                result[key] = obj.getAttr(attrname)
            return result
        return [obj.getAttr(attrname) for obj in objs]

    def setAttr(self, attrname: str, objs: Any, newvalues: Any = None) -> None:
        """Set a model attribute, or an attribute of each object."""
        if newvalues is None:
            setattr(self, str(attrname), objs)
            return
        if isinstance(objs, dict):
            for key, obj in objs.items():
                obj.setAttr(attrname, newvalues[key] if isinstance(newvalues, dict) else newvalues)
            return
        values = newvalues if isinstance(newvalues, list | tuple) else [newvalues] * len(objs)
        for obj, value in zip(objs, values, strict=False):
            obj.setAttr(attrname, value)

    def printAttr(self, attrs: Any, filter: str = "*") -> None:  # noqa: A002
        """Print attribute values of the variables (a short form of gurobipy's table)."""
        names = [attrs] if isinstance(attrs, str) else list(attrs)
        for attr in names:
            key = attr.lower()
            if key in _MODEL_ATTRS:
                print(f"{attr}: {getattr(self, attr)}")  # noqa: T201
                continue
            print(f"\n    Variable {attr:>12}\n-------------------------")  # noqa: T201
            for var in self.getVars():
                value = var.getAttr(attr)
                if not isinstance(value, float) or value != 0.0:
                    print(f"{var.VarName:>12} {value:>12g}")  # noqa: T201

    def printStats(self) -> None:
        """Print a one-line summary."""
        print(f"Statistics for model {self._name}: {self.NumConstrs} rows, {self.NumVars} columns")  # noqa: T201

    def remove(self, item: Any) -> None:
        """Remove variables or constraints."""
        self._remove(item)

    def write(self, filename: str) -> None:
        """Write ``.lp``/``.mps`` (through HiGHS) or ``.sol``; other formats are skipped with a note."""
        self._write(filename)

    def dispose(self) -> None:
        """Nothing to release (the solvers' objects are freed after each solve)."""
        self._disposed = True

    def terminate(self) -> None:
        """Nothing to interrupt."""

    def copy(self) -> Model:
        """Not implemented (deep copy of the expression graph)."""
        raise UnsupportedError(10003, "unsupported: gurobipy.Model.copy")

    def getA(self) -> Any:
        """The constraint matrix as a SciPy CSR matrix."""
        import scipy.sparse as sp

        cons = self.getConstrs()
        position = {v._index: j for j, v in enumerate(self._alive_vars())}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for i, con in enumerate(cons):
            for var, coeff in self._lins[con._index].terms.items():
                if var._index in position:
                    rows.append(i)
                    cols.append(position[var._index])
                    vals.append(coeff)
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(cons), len(position)))

    def getJSONSolution(self) -> str:
        """The solution as JSON (variable names and values)."""
        import json

        variables = [{"VarName": v.VarName, "X": v.X} for v in self.getVars()]
        return json.dumps({"SolutionInfo": {"Status": self.Status, "ObjVal": self.ObjVal}, "Vars": variables})

    # -- hooks -------------------------------------------------------------------------------------------------

    def _status_of(self, termination: str, limit: str) -> int:
        if termination in ("feasible", "no_solution_found"):
            return _LIMIT_STATUS.get(limit, 9)
        return _STATUS.get(termination, 12)

    def _param_default(self, key: str, name: str) -> Any:
        if key in _PARAM_DEFAULTS:
            return _PARAM_DEFAULTS[key]
        raise GurobiError(10007, f"Unknown parameter '{name}'")

    def _error(self, errno: int, message: str) -> Exception:
        return GurobiError(errno, message)

    def _unavailable(self, name: str) -> Exception:
        return GurobiAttributeError(10005, f"Unable to retrieve attribute '{name}'")

    def _unsupported(self, call: str) -> Exception:
        return UnsupportedError(10003, f"unsupported: {call}")

    def _var_repr(self, var: Var) -> str:
        name = self._var_name(var)
        sol = self._sol
        if sol is not None and sol.values is not None and var._index in sol.values:
            return f"<gurobi.Var {name} (value {sol.values[var._index]})>"
        return f"<gurobi.Var {name}>"

    def _var_str(self, var: Var) -> str:
        return self._var_repr(var)

    def _constr_repr(self, con: Constr) -> str:
        kind = {"lin": "Constr", "quad": "QConstr", "gen": "GenConstr", "sos": "SOS"}[con._kind]
        if con._kind == "sos":
            return "<gurobi.SOS>"
        return f"<gurobi.{kind} {self._constr_getattr(con, 'ConstrName')}>"


GenConstr = Constr
QConstr = Constr
SOS = Constr


def _bracket(name: str, key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return f"{name}[{','.join(str(p) for p in parts)}]"


def _finite_or_none(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) and abs(number) < 1e20 else None


def _add_constrs(model: CoreModel, generator: Iterable[Any], name_of: Any) -> tupledict:
    """Add each constraint a generator yields, keyed by its loop variables' values at that point."""
    out = tupledict()
    frame_names: tuple[str, ...] = ()
    gen_frame = None
    if inspect.isgenerator(generator):
        code = generator.gi_code
        frame_names = tuple(n for n in code.co_varnames if not n.startswith("."))
        gen_frame = generator
    position = 0
    for item in generator:
        key: Any = position
        if gen_frame is not None and gen_frame.gi_frame is not None and frame_names:
            local = gen_frame.gi_frame.f_locals
            values = tuple(local[n] for n in frame_names if n in local)
            key = values[0] if len(values) == 1 else values
        if item is None or (isinstance(item, bool) and item):
            position += 1
            continue
        out[key] = model._add_constraint(item, name_of(key))
        position += 1
    return out


def max_(*args: Any, constant: float | None = None) -> GenExpr:
    """The maximum of variables and an optional constant, as the right-hand side of ``y == ...``."""
    return GenExpr("max", list(args), _finite_or_none(constant))


def min_(*args: Any, constant: float | None = None) -> GenExpr:
    """The minimum of variables and an optional constant, as the right-hand side of ``y == ...``."""
    return GenExpr("min", list(args), _finite_or_none(constant))


def abs_(arg: Any) -> GenExpr:
    """Absolute value of a variable, as the right-hand side of ``y == ...``."""
    return GenExpr("abs", [arg])


def and_(*args: Any) -> GenExpr:
    """Conjunction of binaries, as the right-hand side of ``r == ...``."""
    return GenExpr("and", list(args))


def or_(*args: Any) -> GenExpr:
    """Disjunction of binaries, as the right-hand side of ``r == ...``."""
    return GenExpr("or", list(args))


def setParam(paramname: str, newval: Any) -> None:
    """Set a parameter for every model created afterwards."""
    _GLOBAL_PARAMS[str(paramname).lower()] = newval


def disposeDefaultEnv() -> None:
    """Nothing to release."""


def resetParams() -> None:
    """Forget global parameter changes."""
    _GLOBAL_PARAMS.clear()


def gurobi_version() -> tuple[int, int, int]:
    """The gurobipy version this front imitates."""
    return (13, 0, 0)


class _GurobiNamespace:
    @staticmethod
    def version() -> tuple[int, int, int]:
        return gurobi_version()

    @staticmethod
    def platform() -> str:
        return "compat"


gurobi = _GurobiNamespace()


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise UnsupportedError(10003, f"unsupported: gurobipy.{name}")

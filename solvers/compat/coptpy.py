"""The coptpy front of the compat layer: ``from coptpy import *`` programs (ORLM's style) run on HiGHS/SCIP.

Constants have COPT's values (``COPT.OPTIMAL == 1``, ``COPT.INFINITY == 1e30``); ``objval`` with no solution is
``COPT.INFINITY`` rather than an error, as in coptpy; reading a variable's value with no solution raises
:class:`CoptError`. Anything not implemented raises an error starting ``unsupported: coptpy.<call>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from solvers.compat.core import _SENSES, CoreModel
from solvers.compat.expr import Constr, LinExpr, QuadExpr, TempConstr, Var, as_expr, quicksum
from solvers.compat.gurobipy import _add_constrs, _finite_or_none
from solvers.compat.tupledict import multidict, tupledict, tuplelist

__all__ = [
    "COPT",
    "ConstrBuilder",
    "Constraint",
    "CoptError",
    "Envr",
    "EnvrConfig",
    "LinExpr",
    "Model",
    "QuadExpr",
    "Var",
    "multidict",
    "quicksum",
    "tupledict",
    "tuplelist",
]

__version__ = "8.0.0-compat"


class CoptError(Exception):
    """coptpy's error: ``retcode`` and ``message``."""

    def __init__(self, retcode: int = 3, message: str = "") -> None:
        super().__init__(message)
        self.retcode = retcode
        self.message = message

    def __str__(self) -> str:
        return self.message


class UnsupportedError(CoptError, AttributeError):
    """A coptpy feature the compat layer does not implement; the message starts ``unsupported:``."""


class _Names:
    """``COPT.Attr`` / ``COPT.Info`` / ``COPT.Param``: each name is its own string value."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return name


class _COPT:
    Attr = _Names()
    Info = _Names()
    Param = _Names()
    CbInfo = _Names()
    attr = Attr
    info = Info
    param = Param
    UNSTARTED = 0
    OPTIMAL = 1
    INFEASIBLE = 2
    UNBOUNDED = 3
    INF_OR_UNB = 4
    NUMERICAL = 5
    NODELIMIT = 6
    IMPRECISE = 7
    TIMEOUT = 8
    UNFINISHED = 9
    INTERRUPTED = 10
    ITERLIMIT = 11
    MINIMIZE = 1
    MAXIMIZE = -1
    INFINITY = 1e30
    UNDEFINED = 1e40
    CONTINUOUS = "C"
    BINARY = "B"
    INTEGER = "I"
    LESS_EQUAL = "L"
    GREATER_EQUAL = "G"
    EQUAL = "E"
    FREE = "N"
    RANGE = "R"
    SOS_TYPE1 = 1
    SOS_TYPE2 = 2
    BASIS_LOWER = 0
    BASIS_BASIC = 1
    BASIS_UPPER = 2
    BASIS_SUPERBASIC = 3
    BASIS_FIXED = 4
    VERSION_MAJOR = 8
    VERSION_MINOR = 0
    VERSION_TECHNICAL = 0
    Version = "8.0.0"
    version = "8.0.0"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedError(3, f"unsupported: coptpy.COPT.{name}")


COPT = _COPT()

_STATUS = {"optimal": 1, "infeasible": 2, "unbounded": 3, "infeasible_or_unbounded": 4, "solver_error": 5}
_LIMIT_STATUS = {"time": 8, "nodes": 6, "iterations": 11, "interrupt": 10, "solutions": 10}

_MODEL_ATTRS = {
    name.lower(): key
    for name, key in {
        "Status": "status",
        "MipStatus": "status",
        "LpStatus": "status",
        "ObjVal": "objval",
        "BestObj": "objval",
        "LpObjVal": "lpobjval",
        "BestBnd": "objbound",
        "ObjBound": "objbound",
        "BestGap": "mipgap",
        "HasMipSol": "hasmipsol",
        "HasLpSol": "haslpsol",
        "HasSol": "hassol",
        "PoolSols": "solcount",
        "SolvingTime": "runtime",
        "SimplexIter": "itercount",
        "NodeCnt": "nodecount",
        "Cols": "numvars",
        "Rows": "numconstrs",
        "QConstrs": "numqconstrs",
        "Indicators": "numgenconstrs",
        "Soss": "numsos",
        "Ints": "numintvars",
        "Bins": "numbinvars",
        "Elems": "numnzs",
        "IsMIP": "ismip",
        "HasQObj": "isqp",
        "ObjSense": "modelsense",
        "ObjConst": "objcon",
    }.items()
}
_VAR_ATTRS = {
    name.lower(): key
    for name, key in {
        "x": "x",
        "Value": "x",
        "lb": "lb",
        "ub": "ub",
        "vtype": "vtype",
        "name": "name",
        "obj": "obj",
        "rc": "rc",
        "RedCost": "rc",
        "index": "index",
    }.items()
}
_CONSTR_ATTRS = {
    name.lower(): key
    for name, key in {
        "name": "name",
        "lb": "lb",
        "ub": "ub",
        "pi": "pi",
        "Dual": "pi",
        "slack": "activity",
        "index": "index",
        "sense": "sense",
        "rhs": "rhs",
    }.items()
}
_PARAM_ALIASES = {
    "relgap": "mipgap",
    "absgap": "mipgapabs",
    "logging": "outputflag",
    "logtoconsole": "logtoconsole",
    "feastol": "feasibilitytol",
    "inttol": "intfeastol",
    "dualtol": "optimalitytol",
    "lpmethod": "method",
}
_PARAM_DEFAULTS: dict[str, Any] = {
    "timelimit": 1e30,
    "mipgap": 1e-4,
    "mipgapabs": 1e-6,
    "outputflag": 1,
    "logtoconsole": 1,
    "threads": -1,
    "presolve": -1,
    "nodelimit": -1,
    "feasibilitytol": 1e-6,
    "intfeastol": 1e-6,
    "optimalitytol": 1e-6,
    "method": -1,
}


class EnvrConfig:
    """Accepted and ignored (licence-server settings)."""

    def set(self, name: str, value: Any) -> None:
        """Ignored."""


class Envr:
    """The environment models are created from."""

    def __init__(self, arg: Any = None) -> None:
        self._closed = False

    def createModel(self, name: str = "") -> Model:
        """A new empty model."""
        return Model(self, name)

    def close(self) -> None:
        """Nothing to release."""
        self._closed = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedError(3, f"unsupported: coptpy.Envr.{name}")


class Model(CoreModel):
    """coptpy's ``Model`` on the compat core."""

    dialect = "coptpy"
    _MODEL_ATTRS = _MODEL_ATTRS
    _VAR_ATTRS = _VAR_ATTRS
    _CONSTR_ATTRS = _CONSTR_ATTRS
    _PARAM_ALIASES = _PARAM_ALIASES

    def __init__(self, env: Envr | None = None, name: str = "") -> None:
        super().__init__(name)

    def __repr__(self) -> str:
        return f"<coptpy.Model {self._name}>"

    # -- building ----------------------------------------------------------------------------------------------

    def addVar(
        self,
        lb: float = 0.0,
        ub: float = COPT.INFINITY,
        obj: float = 0.0,
        vtype: str = COPT.CONTINUOUS,
        name: str = "",
        column: Any = None,
    ) -> Var:
        """Add one variable."""
        if column is not None:
            raise UnsupportedError(3, "unsupported: coptpy.Model.addVar(column=...)")
        return self._new_var(lb, ub, obj, vtype, name)

    def addVars(
        self,
        *indices: Any,
        lb: Any = 0.0,
        ub: Any = COPT.INFINITY,
        obj: Any = 0.0,
        vtype: Any = COPT.CONTINUOUS,
        nameprefix: str = "C",
    ) -> tupledict:
        """Add a variable per index combination, named ``prefix(i,j)``; returns a ``tupledict``."""
        prefix = nameprefix

        def names(key: Any, pos: int) -> str:
            return _paren(prefix, key)

        return self._add_vars(indices, lb, ub, obj, vtype, names)

    def addConstr(self, lhs: Any, sense: Any = None, rhs: Any = None, name: str = "") -> Any:
        """``addConstr(x + y <= 3)`` or ``addConstr(lhs, COPT.LESS_EQUAL, rhs)``; also indicators, ``y == max_``.

        Like coptpy, a quadratic constraint is refused here (it takes ``addQConstr``), with coptpy's own TypeError:
        a program that fails on COPT must fail the same way here, or a replay would credit the compat layer with
        answers the model's program never produced.
        """
        if _quadratic(lhs) or _quadratic(rhs):
            raise TypeError("'QConstrBuilder' or 'MQConstrBuilder' is not valid for argument 'lhs'")
        return self._add_lhs_sense_rhs(lhs, sense, rhs, name)

    addLConstr = addConstr

    def addQConstr(self, lhs: Any, sense: Any = None, rhs: Any = None, name: str = "") -> Any:
        """A quadratic constraint (sent to SCIP)."""
        return self._add_lhs_sense_rhs(lhs, sense, rhs, name)

    def addConstrs(self, generator: Iterable[Any], nameprefix: str = "R", name: Any = None) -> tupledict:
        """One constraint per generator item, keyed by the generator's loop variables, named ``prefix(i,j)``."""
        prefix = name if isinstance(name, str) and name else nameprefix
        return _add_constrs(self, generator, lambda key: _paren(prefix, key))

    def addBoundConstr(self, expr: Any, lb: float = -COPT.INFINITY, ub: float = COPT.INFINITY, name: str = "") -> Any:
        """``lb <= expr <= ub`` as one row."""
        return self._add_range(as_expr(expr), lb, ub, name)

    def addGenConstrIndicator(
        self,
        binvar: Var,
        binval: Any,
        lhs: Any,
        sense: Any = None,
        rhs: Any = None,
        type: int = 1,  # noqa: A002
    ) -> Any:
        """``binvar == binval  ->  lhs sense rhs``."""
        if sense is not None:
            lhs = TempConstr(lhs, _SENSES[str(sense).upper()], rhs)
        return self._add_indicator(binvar, binval, lhs, "")

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
        """``resvar = AND(vars)``."""
        return self._add_gen("and", resvar, vars, None, name)

    def addGenConstrOr(self, resvar: Var, vars: Any, name: str = "") -> Any:
        """``resvar = OR(vars)``."""
        return self._add_gen("or", resvar, vars, None, name)

    def addSOS(self, sostype: Any, vars: list[Var], weights: list[float] | None = None) -> Any:  # noqa: A002
        """An SOS1/SOS2 constraint (sent to SCIP)."""
        return self._add_sos(int(sostype), list(vars), weights)

    def setObjective(self, expr: Any, sense: int | None = None) -> None:
        """Set the objective (and optionally the sense)."""
        self._set_objective(expr, sense)

    def setObjSense(self, sense: int) -> None:
        """Set the sense."""
        self._sense = int(sense)

    def setObjConst(self, constant: float) -> None:
        """Set the objective constant."""
        self.ObjConst = constant

    def setParam(self, paramname: str, newval: Any) -> None:
        """Set a parameter (case-insensitive name)."""
        self._set_param(paramname, newval)

    def getParam(self, paramname: str) -> Any:
        """A parameter's value."""
        return self._get_param(paramname)

    def resetParam(self) -> None:
        """Back to defaults."""
        self._params.clear()

    @property
    def param(self) -> _ParamView:
        """``model.param.TimeLimit`` style access."""
        return _ParamView(self)

    def solveLP(self) -> None:
        """Solve (the LP relaxation is not separated out: a MIP is solved as a MIP)."""
        self.solve()

    def computeIIS(self) -> None:
        """Find an irreducible infeasible subset with HiGHS."""
        self._compute_iis()

    def reset(self, clearall: int = 0) -> None:
        """Discard the solution."""
        self._sol = None
        self._status_code = 0

    def getVars(self) -> list[Var]:
        """Variables in order."""
        return self._alive_vars()

    def getConstrs(self) -> list[Constr]:
        """Linear constraints in order."""
        return [c for c, d in zip(self._lin_objs, self._lins, strict=True) if d.alive]

    def getQConstrs(self) -> list[Constr]:
        """Quadratic constraints in order."""
        return [c for c, d in zip(self._quad_objs, self._quads, strict=True) if d.alive]

    def getVar(self, idx: int) -> Var:
        """Variable by position."""
        return self._alive_vars()[idx]

    def getConstr(self, idx: int) -> Constr:
        """Constraint by position."""
        return self.getConstrs()[idx]

    def getVarByName(self, name: str) -> Var:
        """The variable with this name."""
        if self._name_index is None:
            self._name_index = {}
            for var in reversed(self._alive_vars()):
                self._name_index[self._var_name(var)] = var
        found = self._name_index.get(name)
        if found is None:
            raise CoptError(3, f"Fail to get variable by name '{name}'")
        return found

    def getConstrByName(self, name: str) -> Constr:
        """The constraint with this name."""
        for con in self.getConstrs():
            if con.name == name:
                return con
        raise CoptError(3, f"Fail to get constraint by name '{name}'")

    def getRow(self, constr: Constr) -> Any:
        """The constraint's expression."""
        return self._row(constr)

    def getObjective(self) -> Any:
        """The objective expression."""
        return self._obj.copy()

    def getAttr(self, attrname: str) -> Any:
        """A model attribute."""
        return getattr(self, str(attrname))

    def getInfo(self, infoname: str, objs: Any) -> Any:
        """An information item (``Value``, ``Slack``, ``Dual``, ``RedCost``, ``LB``, ``UB``) of each object."""
        if isinstance(objs, dict):
            result = tupledict()
            for key, obj in objs.items():
                result[key] = obj.getInfo(infoname)
            return result
        if isinstance(objs, Var | Constr):
            return objs.getInfo(infoname)
        return [obj.getInfo(infoname) for obj in objs]

    def setInfo(self, infoname: str, objs: Any, newvals: Any) -> None:
        """Set LB/UB/Obj of objects."""
        if isinstance(objs, Var | Constr):
            objs, newvals = [objs], [newvals]
        values = newvals if isinstance(newvals, list | tuple) else [newvals] * len(objs)
        for obj, value in zip(objs, values, strict=False):
            obj.setInfo(infoname, value)

    def getValues(self) -> list[float]:
        """Values of all variables."""
        return [self._var_value(v) for v in self._alive_vars()]

    def getSlacks(self) -> list[float]:
        """Row activities of all constraints."""
        return [c.slack for c in self.getConstrs()]

    def getDuals(self) -> list[float]:
        """Duals of all constraints."""
        return [c.pi for c in self.getConstrs()]

    def getRedcosts(self) -> list[float]:
        """Reduced costs of all variables."""
        return [v.rc for v in self._alive_vars()]

    def setMipStart(self, vars: Any, startvals: Any) -> None:  # noqa: A002
        """Record a MIP start (accepted; the back ends start from scratch)."""
        self._notes.append("MIP start accepted but not used")

    def loadMipStart(self) -> None:
        """Accepted."""

    def remove(self, item: Any) -> None:
        """Remove variables or constraints."""
        self._remove(item)

    def write(self, filename: str) -> None:
        """Write ``.lp``/``.mps`` (through HiGHS) or ``.sol``."""
        self._write(filename)

    writeLp = write
    writeMps = write
    writeSol = write

    def dispose(self) -> None:
        """Nothing to release."""
        self._disposed = True

    def clear(self) -> None:
        """Remove everything."""
        CoreModel.__init__(self, self._name)

    # -- hooks -------------------------------------------------------------------------------------------------

    def _initial_status(self) -> int:
        return 0

    def _status_of(self, termination: str, limit: str) -> int:
        if termination in ("feasible", "no_solution_found"):
            return _LIMIT_STATUS.get(limit, 8)
        return _STATUS.get(termination, 5)

    def _infinity(self) -> float:
        return 1e30

    def _undefined(self) -> float:
        return 1e40

    def _default_var_name(self, index: int) -> str:
        return ""

    def _default_constr_name(self, kind: str, index: int) -> str:
        return ""

    def _sense_out(self, sense: str) -> str:
        return {"<": "L", ">": "G", "=": "E", "range": "R"}.get(sense, sense)

    def _no_objective(self, name: str) -> Any:
        return 1e30 if self._sol is not None else 0.0

    def _param_default(self, key: str, name: str) -> Any:
        if key in _PARAM_DEFAULTS:
            return _PARAM_DEFAULTS[key]
        raise CoptError(3, f"Invalid parameter name '{name}'")

    def _error(self, errno: int, message: str) -> Exception:
        return CoptError(3, message)

    def _unavailable(self, name: str) -> Exception:
        return CoptError(3, f"Fail to get information '{name}'")

    def _unsupported(self, call: str) -> Exception:
        return UnsupportedError(3, f"unsupported: {call}")

    def _var_repr(self, var: Var) -> str:
        return f"<coptpy.Var: {self._var_name(var)}>"

    def _constr_repr(self, con: Constr) -> str:
        return f"<coptpy.Constraint: {self._constr_getattr(con, 'name')}>"


class _ParamView:
    def __init__(self, model: Model) -> None:
        object.__setattr__(self, "_model", model)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._model.getParam(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._model.setParam(name, value)


def _paren(prefix: str, key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return f"{prefix}({','.join(str(p) for p in parts)})"


ConstrBuilder = TempConstr
Constraint = Constr
QConstraint = Constr
ExprBuilder = LinExpr


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise UnsupportedError(3, f"unsupported: coptpy.{name}")


def _quadratic(value: Any) -> bool:
    """Whether ``value`` is a quadratic expression or a comparison with one on either side."""
    if isinstance(value, TempConstr):
        return isinstance(value.lhs, QuadExpr) or isinstance(value.rhs, QuadExpr)
    return isinstance(value, QuadExpr)

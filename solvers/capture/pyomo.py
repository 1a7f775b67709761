"""Capture of Pyomo solves, with open-source stand-ins for solvers this environment does not have.

``SolverFactory`` (the legacy factory every ``pyomo.environ`` program uses) is patched: the solver object it
returns gets its ``solve`` wrapped, and a name that cannot run here gets a :class:`SubstituteSolver` that keeps
the legacy API (``results.solver.termination_condition``, ``value(model.obj)``, ``var.value``...) while running:

* ``highs`` / ``appsi_highs`` / ``scip_direct`` / ``scip_persistent``: themselves;
* ``cbc``, ``glpk``: the Debian binaries when on PATH, else HiGHS (SCIP for what HiGHS cannot take);
* ``scip`` (the AMPL binary): SCIP through pyscipopt (``scip_direct``);
* ``ipopt`` and friends: the Ipopt-compatible ``ripopt`` from the ``pyomo-ripopt`` wheel for continuous models,
  SCIP when the model has integer variables (Ipopt would silently relax them);
* commercial names (Gurobi, CPLEX, Xpress, COPT, MOSEK, ...): HiGHS for LP, MILP and convex continuous QP, SCIP
  for everything else (MIQP, quadratic constraints, general nonlinear), ripopt for continuous NLP asked of a local
  NLP solver (CONOPT, KNITRO, ...).

The new-style interfaces (``pyomo.contrib.appsi.solvers.Highs``, ``pyomo.contrib.solver`` HiGHS and SCIP) are also
wrapped at class level, so direct use of them is captured; inside a factory solver they are nested calls and stay
silent (one user-level solve, one record).
"""

from __future__ import annotations

import functools
import math
import shutil
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import Bunch
from pyomo.core.base.suffix import Suffix
from pyomo.core.base.var import VarData
from pyomo.opt import SolverStatus
from pyomo.opt.base.solvers import SolverFactoryClass
from pyomo.repn import generate_standard_repn

from solvers.capture import (
    SOLUTION_TERMINATIONS,
    CaptureSession,
    describe,
    finite,
    gap,
    limit_termination,
)
from solvers.capture.highspy import LinearInstance, write_instance
from solvers.capture.highspy import termination_of as highs_termination

if TYPE_CHECKING:
    from solvers.capture.recorder import Recorder

__all__ = ["STATUS_MAP", "SubstituteSolver", "install"]

DIALECT = "pyomo"

STATUS_MAP: dict[str, str] = {
    # pyomo.opt.TerminationCondition (legacy results)
    "optimal": "optimal",
    "globallyOptimal": "optimal",
    "locallyOptimal": "optimal",
    "feasible": "feasible",
    "maxTimeLimit": "limit",
    "maxIterations": "limit",
    "maxEvaluations": "limit",
    "minFunctionValue": "limit",
    "minStepLength": "limit",
    "intermediateNonInteger": "limit",
    "userInterrupt": "limit",
    "resourceInterrupt": "limit",
    "unbounded": "unbounded",
    "infeasible": "infeasible",
    "infeasibleOrUnbounded": "infeasible_or_unbounded",
    "noSolution": "no_solution_found",
    "invalidProblem": "solver_error",
    "solverFailure": "solver_error",
    "internalSolverError": "solver_error",
    "error": "solver_error",
    "licensingProblems": "solver_error",
    "other": "unknown",
    "unknown": "unknown",
    # pyomo.contrib.solver TerminationCondition (new-style results; appsi's names are a subset of the above)
    "convergenceCriteriaSatisfied": "optimal",
    "iterationLimit": "limit",
    "objectiveLimit": "limit",
    "interrupted": "limit",
    "provenInfeasible": "infeasible",
    "locallyInfeasible": "infeasible",
    "emptyModel": "optimal",
}
"""Pyomo termination-condition name (legacy, appsi or contrib enum) -> our termination; ``limit`` depends on
whether an incumbent exists."""

_SCIP_STATUS = {
    "optimal": "optimal",
    "infeasible": "infeasible",
    "unbounded": "unbounded",
    "inforunbd": "infeasible_or_unbounded",
}

_LABELS = {
    "highs": "highs",
    "appsi_highs": "highs",
    "cbc": "cbc",
    "appsi_cbc": "cbc",
    "glpk": "glpk",
    "scip": "scip",
    "scip_direct": "scip",
    "scip_persistent": "scip",
    "ipopt": "ipopt",
    "ripopt": "ripopt",
}
"""Factory name -> the solver that actually runs behind it (for the record's ``solver`` field)."""

_COMMERCIAL_GLOBAL = frozenset(
    {
        "gurobi",
        "gurobi_direct",
        "gurobi_persistent",
        "gurobi_direct_v2",
        "gurobi_persistent_v2",
        "gurobi_direct_minlp",
        "appsi_gurobi",
        "cplex",
        "cplex_direct",
        "cplex_persistent",
        "cplexamp",
        "appsi_cplex",
        "xpress",
        "xpress_direct",
        "xpress_persistent",
        "copt",
        "copt_direct",
        "copt_persistent",
        "mosek",
        "mosek_direct",
        "mosek_persistent",
        "baron",
        "octeract",
        "couenne",
        "bonmin",
        "lindoglobal",
        "cuopt",
        "gams",
        "gams_v2",
        "sas",
    }
)
_COMMERCIAL_LOCAL_NLP = frozenset({"conopt", "knitroampl", "knitro_direct", "snopt", "minos", "appsi_maingo"})
_IPOPT_NAMES = frozenset({"ipopt", "ipopt_v2", "appsi_ipopt", "cyipopt"})

# Option names understood across solvers, translated for the stand-in; anything else is dropped with a note.
_TIME_KEYS = frozenset(
    {"timelimit", "time_limit", "seconds", "sec", "tmlim", "limits/time", "maxtime", "tilim", "max_cpu_time", "time"}
)
_REL_GAP_KEYS = frozenset(
    {"mipgap", "mip_rel_gap", "ratiogap", "ratio", "mip_tolerances_mipgap", "limits/gap", "mipgaprel", "relgap"}
)
_ABS_GAP_KEYS = frozenset({"mipgapabs", "allowablegap", "mip_abs_gap", "mip_tolerances_absmipgap", "limits/absgap"})
_THREAD_KEYS = frozenset({"threads", "thread"})
_SEED_KEYS = frozenset({"seed", "randomseed", "random_seed"})
_SILENT_KEYS = frozenset({"outputflag", "logtoconsole", "msg_lev", "log", "loglevel", "display/verblevel"})
_TRANSLATION = {
    "highs": {
        "time": "time_limit",
        "rel_gap": "mip_rel_gap",
        "abs_gap": "mip_abs_gap",
        "threads": "threads",
        "seed": "random_seed",
    },
    "scip": {"time": "limits/time", "rel_gap": "limits/gap", "abs_gap": "limits/absgap"},
    "ripopt": {"time": "max_cpu_time"},
}

# Methods of persistent interfaces the stand-in accepts as no-ops: it re-reads the Pyomo model at every solve.
_PERSISTENT_NOOPS = frozenset(
    {
        "add_block",
        "add_constraint",
        "add_constraints",
        "add_column",
        "add_sos_constraint",
        "add_var",
        "add_variables",
        "add_params",
        "remove_block",
        "remove_constraint",
        "remove_constraints",
        "remove_sos_constraint",
        "remove_var",
        "remove_variables",
        "remove_params",
        "update_var",
        "update_variables",
        "update_params",
        "update_config",
        "set_objective",
        "reset",
        "update",
    }
)

# Read accessors taken at install time: a program that patches Pyomo later cannot change what is recorded.
_value: Callable[..., Any] = pyo.value
_var_value: Callable[[Any], Any] = VarData.value.fget

_CONVEXITY_CHECK_LIMIT = 2000
"""Largest number of quadratic-objective variables whose Hessian is checked for convexity (dense eigenvalues)."""


# -- the model walk: statistics, problem class and the exportable linear form -----------------------------------


class _Walk:
    """One pass over the active model: what the solver sees, in the shape the record and the export need."""

    def __init__(self, model: Any) -> None:
        self.columns: list[Any] = []
        self._col_index: dict[int, int] = {}
        self.row_names: list[str] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.a_rows: list[int] = []
        self.a_cols: list[int] = []
        self.a_vals: list[float] = []
        self.constraints = 0
        self.linear = 0
        self.quadratic = 0
        self.nonlinear = 0
        self.nonzeros = 0
        self.objective: Any = None
        self.maximize = False
        self.objective_kind = "none"
        self.offset = 0.0
        self.cost: dict[int, float] = {}
        self.q_rows: list[int] = []
        self.q_cols: list[int] = []
        self.q_vals: list[float] = []

        objectives = list(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
        if objectives:
            self._objective(objectives[0])
        for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
            self._constraint(con)
        # SOS sets (also what Piecewise builds) are constraints an MPS export from rows alone would drop.
        for sos in model.component_data_objects(pyo.SOSConstraint, active=True, descend_into=True):
            self.constraints += 1
            self.nonlinear += 1
            for var in sos.get_variables():
                self._col(var)

    def _col(self, var: Any) -> int:
        index = self._col_index.get(id(var))
        if index is None:
            index = self._col_index[id(var)] = len(self.columns)
            self.columns.append(var)
        return index

    def _objective(self, obj: Any) -> None:
        self.objective = obj
        self.maximize = obj.sense == pyo.maximize
        repn = generate_standard_repn(obj.expr, compute_values=True, quadratic=True)
        self.offset = float(_value(repn.constant))
        for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            j = self._col(var)
            self.cost[j] = self.cost.get(j, 0.0) + float(coef)
        for (v1, v2), coef in zip(repn.quadratic_vars, repn.quadratic_coefs, strict=True):
            self.q_rows.append(self._col(v1))
            self.q_cols.append(self._col(v2))
            self.q_vals.append(float(coef))
        if repn.nonlinear_expr is not None:
            for var in repn.nonlinear_vars:
                self._col(var)
            self.objective_kind = "nonlinear"
        elif self.q_vals:
            self.objective_kind = "quadratic"
        elif self.cost:
            self.objective_kind = "linear"

    def _constraint(self, con: Any) -> None:
        self.constraints += 1
        repn = generate_standard_repn(con.body, compute_values=True, quadratic=True)
        if repn.nonlinear_expr is not None:
            self.nonlinear += 1
            for var in repn.nonlinear_vars:
                self._col(var)
            for var in repn.quadratic_vars:
                self._col(var[0])
                self._col(var[1])
            for var in repn.linear_vars:
                self._col(var)
            return
        if repn.quadratic_vars:
            self.quadratic += 1
            for v1, v2 in repn.quadratic_vars:
                self._col(v1)
                self._col(v2)
            for var in repn.linear_vars:
                self._col(var)
            return
        self.linear += 1
        row = len(self.row_lower)
        constant = float(_value(repn.constant))
        lower = con.lb
        upper = con.ub
        self.row_lower.append(-math.inf if lower is None else float(lower) - constant)
        self.row_upper.append(math.inf if upper is None else float(upper) - constant)
        self.row_names.append(con.name)
        for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            if coef == 0:
                continue
            self.a_rows.append(row)
            self.a_cols.append(self._col(var))
            self.a_vals.append(float(coef))
            self.nonzeros += 1

    @property
    def integers(self) -> int:
        return sum(1 for var in self.columns if not var.is_continuous())

    @property
    def linear_only(self) -> bool:
        """LP or MILP."""
        return self.objective_kind in ("none", "linear") and not self.quadratic and not self.nonlinear

    @property
    def exportable(self) -> bool:
        """Linear constraints and a linear or quadratic objective: what an MPS file can hold."""
        return self.objective_kind != "nonlinear" and not self.quadratic and not self.nonlinear

    def convex_objective(self) -> bool | None:
        """Whether the quadratic objective is convex in its sense; None when too large to check."""
        if not self.q_vals:
            return True
        used = sorted(set(self.q_rows) | set(self.q_cols))
        if len(used) > _CONVEXITY_CHECK_LIMIT:
            return None
        where = {j: k for k, j in enumerate(used)}
        hessian = np.zeros((len(used), len(used)))
        for i, j, c in zip(self.q_rows, self.q_cols, self.q_vals, strict=True):
            a, b = where[i], where[j]
            if a == b:
                hessian[a, a] += 2 * c
            else:
                hessian[a, b] += c
                hessian[b, a] += c
        if self.maximize:
            hessian = -hessian
        eigenvalues = np.linalg.eigvalsh(hessian)
        scale = max(1.0, float(np.abs(hessian).max()))
        return bool(eigenvalues.min() >= -1e-9 * scale)

    def stats(self) -> dict[str, Any]:
        binary = sum(1 for var in self.columns if var.is_binary())
        integer = self.integers - binary
        return {
            "variables": len(self.columns),
            "continuous": len(self.columns) - binary - integer,
            "integer": integer,
            "binary": binary,
            "constraints": self.constraints,
            "nonzeros": self.nonzeros,
            "linear_constraints": self.linear,
            "quadratic_constraints": self.quadratic,
            "nonlinear_constraints": self.nonlinear,
            "objective": self.objective_kind,
        }

    def instance(self) -> LinearInstance:
        n = len(self.columns)
        cost = [0.0] * n
        for j, c in self.cost.items():
            cost[j] = c
        lower = [-math.inf if v.lb is None else float(v.lb) for v in self.columns]
        upper = [math.inf if v.ub is None else float(v.ub) for v in self.columns]
        return LinearInstance(
            col_names=[v.name for v in self.columns],
            col_cost=cost,
            col_lower=lower,
            col_upper=upper,
            col_integer=[not v.is_continuous() for v in self.columns],
            row_lower=self.row_lower,
            row_upper=self.row_upper,
            a_rows=self.a_rows,
            a_cols=self.a_cols,
            a_vals=self.a_vals,
            row_names=self.row_names,
            maximize=self.maximize,
            offset=self.offset,
            q_rows=self.q_rows,
            q_cols=self.q_cols,
            q_vals=self.q_vals,
        )


# -- stand-in for solvers that cannot run here ---------------------------------------------------------------


class SubstituteSolver:
    """Legacy-API stand-in for a solver this environment lacks; runs HiGHS, SCIP or ripopt instead.

    It behaves like the legacy interface of the requested solver: ``solve`` returns a legacy ``SolverResults``,
    loads the solution into the model when there is one (and never raises just because there is none, like
    ``gurobi_direct``), and accepts the persistent-interface calls (``set_instance``, ``add_constraint``, ...) as
    no-ops because the model is re-read at every solve. Which open-source solver runs is decided per solve, from
    the model's class (see the module docstring).
    """

    def __init__(self, requested: str, kind: str, make: Callable[[str], Any], kwds: dict[str, Any]) -> None:
        self.name = requested
        self.options = Bunch()
        opts = kwds.get("options") or kwds.get("solver_options")
        if opts:
            self.options.update(dict(opts))
        self._requested = requested
        self._kind = kind
        self._make = make
        self._instance: Any = None
        self._last: tuple[Any, Any] | None = None
        self.last_route: str = ""
        self.last_notes: list[str] = []

    # legacy-interface surface ------------------------------------------------------------------------------
    def available(self, exception_flag: bool = True) -> bool:
        """Always True: the stand-in is what makes the requested name usable here."""
        return True

    def license_is_valid(self) -> bool:
        """Always True: open-source solvers need no license."""
        return True

    def version(self) -> tuple[int, ...]:
        """A placeholder: which solver runs (and so its version) is only known per solve, from the model."""
        return (0, 0, 0)

    def warm_start_capable(self) -> bool:
        """False: warm starts are not passed on to the substitute."""
        return False

    def has_capability(self, cap: str) -> bool:
        """True for everything: the substitute is chosen per solve to handle the model's class."""
        return True

    def set_options(self, options: Any) -> None:
        """Merge options (a mapping or an ``"key=value ..."`` string); they are translated at solve time."""
        if isinstance(options, str):
            self.options.update(_parse_option_string(options))
        else:
            self.options.update(dict(options))

    def set_instance(self, model: Any, **kwds: Any) -> None:
        """Remember the model for persistent-style ``solve()`` calls without one."""
        self._instance = model

    def set_gurobi_param(self, param: str, val: Any) -> None:
        """Gurobi persistent API: same as setting ``options[param]``."""
        self.options[param] = val

    def load_vars(self, vars_to_load: Iterable[Any] | None = None) -> None:
        """Load the last solve's solution into the model (persistent API, after ``load_solutions=False``)."""
        if self._last is None:
            raise RuntimeError("no solution to load; call solve first")
        model, results = self._last
        if len(results.solution):
            model.solutions.load_from(results)

    def __enter__(self) -> SubstituteSolver:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name in _PERSISTENT_NOOPS:
            return _noop
        raise AttributeError(
            f"{name!r} is not available: solver {self.__dict__.get('_requested', '?')!r} is not installed here and "
            "runs through an open-source substitute that only offers the common legacy interface"
        )

    def solve(self, *args: Any, **kwds: Any) -> Any:
        """Solve the model (the first argument, or the one given to ``set_instance``)."""
        model = args[0] if args else kwds.pop("model", None)
        if model is None:
            model = self._instance
        if model is None:
            raise ValueError(f"{self._requested}: solve() needs a model (or call set_instance first)")
        walk = _Walk(model)
        return self.solve_walked(model, walk, kwds)

    # the work ---------------------------------------------------------------------------------------------
    def route(self, walk: _Walk | None) -> tuple[str, str]:
        """``(target, reason)``: which open-source solver runs this model, and why (for the note)."""
        if walk is None:
            return "scip", "model class unknown"
        integer = walk.integers > 0
        if self._kind == "scip":
            return "scip", "same solver through pyscipopt"
        if self._kind == "nlp":
            if integer:
                return "scip", "the model has integer variables, which Ipopt-type solvers would relax"
            return ("ripopt", "Ipopt-compatible") if _RIPOPT else ("scip", "no Ipopt-compatible solver installed")
        if walk.linear_only:
            return "highs", "linear model"
        if walk.exportable and not integer:
            convex = walk.convex_objective()
            if convex is None:
                return "highs", "quadratic objective (too large to check convexity)"
            if convex:
                return "highs", "convex quadratic objective"
        if self._kind == "local" and not integer and _RIPOPT:
            return "ripopt", "continuous nonlinear model, local NLP solver requested"
        return "scip", "nonlinear, non-convex or mixed-integer quadratic model"

    def solve_walked(self, model: Any, walk: _Walk | None, kwds: dict[str, Any]) -> Any:
        """Solve ``model`` (already walked by the capture) with the substitute; legacy results back."""
        target, reason = self.route(walk)
        self.last_route = target
        if self._kind == "scip":
            text = f"requested {self._requested} (the AMPL binary, not installed); ran scip through pyscipopt"
        else:
            text = f"requested {self._requested}; ran {_TARGET_LABEL[target]} (open-source substitute: {reason})"
        notes = self.last_notes = [text]
        load = bool(kwds.pop("load_solutions", True))
        tee = kwds.pop("tee", False)
        options = dict(self.options)
        options.update(dict(kwds.pop("options", None) or {}))
        options.update(dict(kwds.pop("solver_options", None) or {}))
        if kwds.get("options_string"):
            options.update(_parse_option_string(str(kwds.pop("options_string"))))
        timelimit = kwds.pop("timelimit", None)
        if target == "ripopt":
            inner = self._make("ripopt")
            if self._kind != "nlp":  # another NLP solver's options: keep only the time limit
                ripopt_options, dropped = _translate_options(options, "ripopt")
                if dropped:
                    notes.append(f"ignored options not understood by ripopt: {', '.join(sorted(dropped))}")
                options = ripopt_options
            inner.options.update(options)
            results = inner.solve(model, tee=tee, load_solutions=load, timelimit=timelimit, **kwds)
            self._last = (model, results)
            return results
        translated, dropped = _translate_options(options, target)
        if timelimit is not None:
            translated[_TRANSLATION[target]["time"]] = float(timelimit)
        if dropped:
            notes.append(f"ignored options not understood by {target}: {', '.join(sorted(dropped))}")
        results = _solve_contrib(target, model, load=load, tee=tee, options=translated)
        self._last = (model, results)
        return results


_TARGET_LABEL = {"highs": "highs", "scip": "scip", "ripopt": "ripopt"}


def _noop(*args: Any, **kwds: Any) -> None:
    return None


def _parse_option_string(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for token in text.split():
        key, sep, val = token.partition("=")
        if sep:
            out[key] = val
    return out


def _translate_options(options: dict[str, Any], target: str) -> tuple[dict[str, Any], set[str]]:
    table = _TRANSLATION[target]
    out: dict[str, Any] = {}
    dropped: set[str] = set()
    for key, val in options.items():
        if val is None:
            continue
        low = str(key).lower()
        kind = (
            "time"
            if low in _TIME_KEYS
            else "rel_gap"
            if low in _REL_GAP_KEYS
            else "abs_gap"
            if low in _ABS_GAP_KEYS
            else "threads"
            if low in _THREAD_KEYS
            else "silent"
            if low in _SILENT_KEYS
            else "seed"
            if low in _SEED_KEYS
            else ""
        )
        if kind == "silent":
            continue
        if kind in table:
            try:
                out[table[kind]] = int(val) if kind in ("threads", "seed") else float(val)
            except (TypeError, ValueError):
                dropped.add(str(key))
            continue
        dropped.add(str(key))
    return out, dropped


def _solve_contrib(target: str, model: Any, *, load: bool, tee: Any, options: dict[str, Any]) -> Any:
    """Solve with the new-style HiGHS or SCIP interface and answer with legacy results, gurobi_direct-style."""
    from pyomo.contrib.solver.common.base import LegacySolverWrapper
    from pyomo.core.base.label import NumericLabeler
    from pyomo.core.base.symbol_map import SymbolMap

    solver = _CONTRIB[target]()
    kwargs: dict[str, Any] = {
        "load_solutions": False,
        "raise_exception_on_nonoptimal_result": False,
        "tee": tee,
        "solver_options": options,
    }
    if _TRANSLATION[target]["time"] in options:
        kwargs["time_limit"] = options.pop(_TRANSLATION[target]["time"])
    results = solver.solve(model, **kwargs)
    legacy, soln = LegacySolverWrapper._map_results(solver, model, results)  # noqa: SLF001 - documented mapping
    legacy.solver.name = target
    condition = _name_of_enum(results.termination_condition)
    if condition in _NO_SOLUTION_CONDITIONS:
        # As the legacy interfaces report these: a warning, and no point loaded (HiGHS may hold one).
        legacy.solver.status = SolverStatus.warning
    has_solution = results.incumbent_objective is not None and condition not in _NO_SOLUTION_CONDITIONS
    if has_solution and load:
        results.solution_loader.load_vars()
        for suffix in model.component_objects(Suffix, active=True, descend_into=True):
            if not suffix.import_enabled():
                continue
            getter = {"dual": "get_duals", "rc": "get_reduced_costs"}.get(suffix.local_name)
            if getter is None:
                continue
            try:
                values = getattr(results.solution_loader, getter)()
            except Exception:  # noqa: BLE001, S112 - no duals for a MIP, as with the real solvers
                continue
            suffix.clear()
            suffix.update(values)
    elif has_solution:
        symbol_map = SymbolMap()
        symbol_map.default_labeler = NumericLabeler("x")
        soln.symbol_map = symbol_map
        for var, val in results.solution_loader.get_vars().items():
            soln.variable[symbol_map.getSymbol(var)] = {"Value": val}
        legacy.solution.insert(soln)
        legacy._smap_id = id(symbol_map)  # noqa: SLF001 - what model.solutions.load_from reads
        legacy._smap = symbol_map  # noqa: SLF001
    legacy._optagent_new_results = results  # noqa: SLF001 - lets the capture read bound and incumbent
    return legacy


_NO_SOLUTION_CONDITIONS = frozenset({"unbounded", "infeasibleOrUnbounded", "provenInfeasible", "locallyInfeasible"})
_CONTRIB: dict[str, Any] = {}
_RIPOPT = False


# -- installation ----------------------------------------------------------------------------------------------


def install(recorder: Recorder) -> None:
    """Patch ``SolverFactory`` and the new-style HiGHS/SCIP interfaces so every Pyomo solve reports to ``recorder``."""
    global _RIPOPT
    from pyomo.contrib.appsi.solvers.highs import Highs as AppsiHighs
    from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs
    from pyomo.contrib.solver.solvers.scip.scip_direct import ScipDirect

    try:
        import pyomo_ripopt  # type: ignore[import-untyped]  # noqa: F401 - registers 'ripopt' with SolverFactory

        _RIPOPT = True
    except ImportError:
        _RIPOPT = False
    _CONTRIB.update(highs=ContribHighs, scip=ScipDirect)

    original_call = SolverFactoryClass.__call__
    if getattr(original_call, "__optagent_wrapped__", False):
        return
    building = threading.local()

    def make(factory: Any, name: str, **kwds: Any) -> Any:
        return original_call(factory, name, **kwds)

    @functools.wraps(original_call)
    def factory_call(self: Any, _name: Any = None, **kwds: Any) -> Any:
        depth = getattr(building, "depth", 0)
        if _name is None or depth:
            return original_call(self, _name, **kwds)
        building.depth = depth + 1
        try:
            return _create(recorder, self, str(_name), kwds, make)
        finally:
            building.depth = depth

    factory_call.__optagent_wrapped__ = True  # type: ignore[attr-defined]
    SolverFactoryClass.__call__ = factory_call

    _wrap_substitute_class(recorder)
    for cls, label in ((AppsiHighs, "highs"), (ContribHighs, "highs"), (ScipDirect, "scip")):
        original_solve = cls.solve
        if getattr(original_solve, "__optagent_wrapped__", False):
            continue
        cls.solve = _class_wrapper(recorder, original_solve, label)


def _class_wrapper(recorder: Recorder, original: Callable[..., Any], label: str) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _captured(recorder, self, functools.partial(original, self), args, kwargs, label, "", None)

    wrapper.__optagent_wrapped__ = True  # type: ignore[attr-defined]
    return wrapper


def _route_name(name: str) -> tuple[str, str]:
    """``('asis', label)`` or ``('substitute', kind)`` for a factory name."""
    key = name.lower()
    if key.startswith("asl:"):
        key = key[4:]
    if key in ("cbc", "appsi_cbc"):
        return ("asis", "cbc") if shutil.which("cbc") else ("substitute", "linear")
    if key == "glpk":
        return ("asis", "glpk") if shutil.which("glpsol") else ("substitute", "linear")
    if key == "scip":
        return ("asis", "scip") if shutil.which("scip") else ("substitute", "scip")
    if key in _IPOPT_NAMES:
        return ("asis", "ipopt") if key == "ipopt" and shutil.which("ipopt") else ("substitute", "nlp")
    if key in _COMMERCIAL_GLOBAL:
        return "substitute", "global"
    if key in _COMMERCIAL_LOCAL_NLP:
        return "substitute", "local"
    return "asis", _LABELS.get(key, key)


def _create(recorder: Recorder, factory: Any, name: str, kwds: dict[str, Any], make: Callable[..., Any]) -> Any:
    try:
        mode, what = _route_name(name)
    except Exception:  # noqa: BLE001 - routing must never break SolverFactory
        mode, what = "asis", name
    if mode == "substitute":
        return SubstituteSolver(name, what, lambda n: make(factory, n), kwds)
    solver = make(factory, name, **kwds)
    try:
        original = solver.solve
        if not getattr(original, "__optagent_wrapped__", False):
            label = what

            @functools.wraps(original)
            def solve(*args: Any, **kwargs: Any) -> Any:
                return _captured(recorder, solver, original, args, kwargs, label, "", None)

            solve.__optagent_wrapped__ = True  # type: ignore[attr-defined]
            solver.solve = solve
    except Exception:  # noqa: BLE001, S110 - an object we cannot wrap is returned as it is
        pass
    return solver


def _wrap_substitute_class(recorder: Recorder) -> None:
    original = SubstituteSolver.solve
    if getattr(original, "__optagent_wrapped__", False):
        return

    @functools.wraps(original)
    def solve(self: SubstituteSolver, *args: Any, **kwargs: Any) -> Any:
        return _captured(recorder, self, functools.partial(original, self), args, kwargs, "", self._requested, self)

    solve.__optagent_wrapped__ = True  # type: ignore[attr-defined]
    SubstituteSolver.solve = solve  # type: ignore[method-assign]


# -- the captured call -----------------------------------------------------------------------------------------


def _model_of(solver: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if args:
        return args[0]
    if kwargs.get("model") is not None:
        return kwargs["model"]
    for attr in ("_instance", "_pyomo_model", "_model"):
        model = getattr(solver, attr, None) if attr != "_instance" else solver.__dict__.get(attr)
        if model is not None:
            return model
    return None


def _captured(
    recorder: Recorder,
    solver: Any,
    original: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    label: str,
    requested: str,
    proxy: SubstituteSolver | None,
) -> Any:
    with recorder.outer_call() as outer:
        if not outer:
            return original(*args, **kwargs)
        session = CaptureSession(recorder, DIALECT)
        model = session.guard(lambda: _model_of(solver, args, kwargs), "model lookup")
        # A model the walk cannot read (an exotic expression) still gets its status and values recorded.
        walk = session.attempt(lambda: _Walk(model), "model statistics") if model is not None else None
        if proxy is not None and model is not None:
            walk_or_none = walk

            def call() -> Any:
                return proxy.solve_walked(model, walk_or_none, dict(kwargs))
        else:

            def call() -> Any:
                return original(*args, **kwargs)

        load = bool(kwargs.get("load_solutions", True))

        def finish(results: Any, exc: BaseException | None) -> None:
            _finish(session, solver, model, walk, results, exc, label, requested, proxy, load)

        return session.execute(call, finish)


def _name_of_enum(value: Any) -> str:
    name = getattr(value, "name", None)
    return str(name if name is not None else value)


def _read_results(results: Any, maximize: bool) -> tuple[str, str, bool | None, float | None, float | None]:
    """``(termination-condition name, raw status, has_solution, incumbent, bound)`` from any Pyomo results type.

    Legacy results carry the incumbent and bound in ``problem.lower_bound``/``upper_bound`` by sense; the new-style
    contrib and appsi results name them directly.
    """
    new = getattr(results, "_optagent_new_results", None)
    solver_info = getattr(results, "solver", None)
    if solver_info is not None and hasattr(solver_info, "termination_condition"):
        tc = _name_of_enum(solver_info.termination_condition)
        raw = f"{_name_of_enum(getattr(solver_info, 'status', ''))}/{tc}"
        problem = results.problem
        lower, upper = finite(problem.lower_bound), finite(problem.upper_bound)
        incumbent, bound = (lower, upper) if maximize else (upper, lower)
        has_solution: bool | None = None
        if new is not None:
            incumbent, bound = finite(new.incumbent_objective), finite(new.objective_bound)
            has_solution = new.incumbent_objective is not None
        return tc, raw, has_solution, incumbent, bound
    tc = _name_of_enum(getattr(results, "termination_condition", "unknown"))
    if hasattr(results, "incumbent_objective"):
        status = _name_of_enum(getattr(results, "solution_status", ""))
        has = status in ("optimal", "feasible") or results.incumbent_objective is not None
        return tc, f"{tc}/{status}", has, finite(results.incumbent_objective), finite(results.objective_bound)
    incumbent = finite(getattr(results, "best_feasible_objective", None))
    bound = finite(getattr(results, "best_objective_bound", None))
    return tc, tc, incumbent is not None, incumbent, bound


def _status_from_solver_object(solver: Any) -> tuple[str, str, bool] | None:
    """After a solve raised: the status straight from the underlying HiGHS or SCIP object, when there is one."""
    inner = getattr(solver, "_solver_model", None)
    if inner is None:
        return None
    if hasattr(inner, "getModelStatus"):
        name = inner.getModelStatus().name
        info = inner.getInfo()
        has = bool(info.valid) and int(info.primal_solution_status) == 2  # noqa: PLR2004 - kSolutionStatusFeasible
        return highs_termination(name, has), name, has
    if hasattr(inner, "getStatus"):
        raw = str(inner.getStatus())
        has = inner.getNSols() > 0
        mapped = _SCIP_STATUS.get(raw)
        if mapped is None:
            stopped = raw.endswith("limit") or raw in ("userinterrupt", "terminate")
            mapped = limit_termination(has) if stopped else "unknown"
        return mapped, raw, has
    return None


def _version(solver: Any) -> str:
    try:
        version = solver.version()
    except Exception:  # noqa: BLE001
        return ""
    if isinstance(version, tuple | list):
        return ".".join(str(part) for part in version if part is not None)
    return "" if version is None else str(version)


def _finish(
    session: CaptureSession,
    solver: Any,
    model: Any,
    walk: _Walk | None,
    results: Any,
    exc: BaseException | None,
    label: str,
    requested: str,
    proxy: SubstituteSolver | None,
    load: bool,
) -> None:
    record = session.record
    if proxy is not None:
        target = proxy.last_route or "scip"
        record["solver"] = _TARGET_LABEL.get(target, target)
        if requested.lower() != record["solver"]:
            record["requested_solver"] = requested
        for text in proxy.last_notes:
            session.note(text)
        version_source = _CONTRIB.get(target)
        if target == "ripopt":
            record["solver_version"] = _ripopt_version(proxy)
        elif version_source is not None:
            record["solver_version"] = _version(version_source())
    else:
        record["solver"] = label or type(solver).__name__.lower()
        record["solver_version"] = session.attempt(lambda: _version(solver), "solver version") or ""
    if walk is not None:
        record["stats"] = walk.stats()
        record["sense"] = "maximize" if walk.maximize else "minimize"
        if walk.objective_kind == "none":
            record["sense"] = "feasibility"

    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
        from_object = _status_from_solver_object(solver)
        if from_object is None:
            record["termination"] = "solver_error"
            record["raw_status"] = type(exc).__name__
            return
        record["termination"], record["raw_status"], _ = from_object
        # The model holds no new solution when the solve raised; report the status only.
        _export(session, walk)
        return

    maximize = walk.maximize if walk is not None else False
    tc, raw, has_solution, incumbent, bound = _read_results(results, maximize)
    record["raw_status"] = raw
    mapped = STATUS_MAP.get(tc, "unknown")
    if has_solution is None:
        has_solution = mapped in ("optimal", "feasible") or incumbent is not None
    termination = limit_termination(bool(has_solution)) if mapped == "limit" else mapped
    record["termination"] = termination
    if record["solver"] in ("ipopt", "ripopt") and walk is not None and not walk.linear_only:
        session.note("Ipopt-type solvers find a local optimum; a non-convex model may have a better one")

    if termination in SOLUTION_TERMINATIONS:
        if load:
            record["variable_values"] = _model_values(model)
            if walk is not None and walk.objective is not None:
                record["objective_value"] = finite(_value(walk.objective, exception=False))
        else:
            record["variable_values"] = _unloaded_values(results)
        if record["objective_value"] is None:
            record["objective_value"] = incumbent
        if walk is not None and walk.objective_kind == "none" and record["objective_value"] is None:
            record["objective_value"] = 0.0
    record["objective_bound"] = bound
    if walk is not None and walk.integers and record["objective_value"] is not None:
        record["mip_gap"] = gap(record["objective_value"], bound)
    _export(session, walk)


def _ripopt_version(proxy: SubstituteSolver) -> str:
    try:
        return _version(proxy._make("ripopt"))  # noqa: SLF001
    except Exception:  # noqa: BLE001
        return ""


def _model_values(model: Any) -> dict[str, float]:
    values: dict[str, float] = {}
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        val = _var_value(var)
        if val is None:
            continue
        try:
            values[var.name] = float(val) + 0.0
        except (TypeError, ValueError):
            continue
    return values


def _unloaded_values(results: Any) -> dict[str, float]:
    """Values kept in legacy results when the program asked not to load them (``load_solutions=False``)."""
    new = getattr(results, "_optagent_new_results", None)
    loader = new.solution_loader if new is not None else getattr(results, "solution_loader", None)
    if loader is not None:
        return {var.name: float(val) + 0.0 for var, val in loader.get_vars().items() if val is not None}
    solutions = getattr(results, "solution", None)
    smap = getattr(results, "_smap", None)
    if not solutions or smap is None or not len(solutions):
        return {}
    out: dict[str, float] = {}
    for symbol, entry in solutions(0).variable.items():
        obj = smap.bySymbol.get(symbol)
        if obj is None or "Value" not in entry:
            continue
        out[obj.name] = float(entry["Value"]) + 0.0
    return out


def _export(session: CaptureSession, walk: _Walk | None) -> None:
    """Write the walked model as MPS when it is linear (or has a quadratic objective); values by column name."""
    if walk is None or not session.recorder.export_instances:
        return
    if not walk.exportable:
        return

    def export() -> None:
        inst = walk.instance()
        path = session.recorder.instance_path("mps")
        keys = write_instance(path, inst)
        session.record["instance_path"] = path
        session.record["instance_format"] = "mps"
        reported: dict[str, float] = session.record["variable_values"]
        if reported:
            values = {}
            for key, var in zip(keys, walk.columns, strict=True):
                val = reported.get(var.name)
                if val is not None:
                    values[key] = val
            session.instance_values = values

    session.attempt(export, "instance export")

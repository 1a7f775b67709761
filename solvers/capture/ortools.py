"""Capture of OR-Tools solves: CP-SAT, the linear solver wrapper (``pywraplp``) and MathOpt.

Wrapped entry points: ``CpSolver.solve`` / ``Solve`` / ``SearchForAllSolutions`` (and the callback variants where
this OR-Tools version has them), ``pywraplp.Solver.Solve``, ``mathopt.solve`` and ``IncrementalSolver.solve``.

Three things in OR-Tools give a wrong answer without saying so, and the capture steps around them:

* ``pywraplp`` with GLOP, PDLP or CLP ignores integrality (it solves the LP relaxation and calls it optimal), and
  CP-SAT (``SAT``) treats continuous variables as integers. Such a model is re-solved with SCIP through
  ``SolveWithProto`` and the solution loaded back into the program's solver object, so ``Solve()``'s status,
  ``Objective().Value()`` and ``var.solution_value()`` answer the model the program wrote.
* ``pywraplp.Solver.CreateSolver`` returns None for solvers this build lacks (GUROBI, CPLEX, XPRESS, GLPK, ...) and
  a PDLP solver for ``HIGHS``: those names get SCIP (GLOP for an explicitly LP-only name), with a note.
* MathOpt's CP-SAT treats continuous variables as integers, and GUROBI/GLPK/OSQP/ECOS/SCS/SANTORINI are not
  shipped: such solves run on HiGHS (LP/MILP) or SCIP (anything else), with a note.

A status is never made to say more than the solver knows: pywraplp's GLOP answers ``INFEASIBLE`` for models that
are infeasible *or unbounded* (its presolve does not tell them apart), so that is recorded as
``infeasible_or_unbounded``.

Instances are written through HiGHS (:func:`solvers.capture.highspy.write_instance`) from each model's own proto:
``ExportModelToProto`` for ``pywraplp``, ``export_model()`` for MathOpt and the ``CpModelProto`` for CP-SAT (when
every constraint is linear: linear with one interval, ``bool_or``, ``bool_and``, ``at_most_one``,
``exactly_one``, none of them enforced by a literal). One writer for all three keeps the file's column names the
same as the reported variable names (``ExportModelAsMpsFormat`` renames columns by rules of its own).
"""

from __future__ import annotations

import functools
import math
import re
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ortools
from ortools.linear_solver import linear_solver_pb2, pywraplp
from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from solvers.capture import (
    SOLUTION_TERMINATIONS,
    CaptureSession,
    describe,
    finite,
    gap,
    limit_termination,
    unique_names,
)
from solvers.capture.highspy import LinearInstance, write_instance

if TYPE_CHECKING:
    from solvers.capture.recorder import Recorder

__all__ = ["CP_SAT_STATUS_MAP", "LINEAR_SOLVER_STATUS_MAP", "MATHOPT_STATUS_MAP", "STATUS_MAP", "install"]

DIALECT = "ortools"
_VERSION = str(getattr(ortools, "__version__", ""))

CP_SAT_STATUS_MAP: dict[str, str] = {
    "OPTIMAL": "optimal",
    "FEASIBLE": "limit",
    "INFEASIBLE": "infeasible",
    "MODEL_INVALID": "solver_error",
    "UNKNOWN": "limit",
}
"""``CpSolverStatus`` name -> our termination. FEASIBLE and UNKNOWN mean a limit stopped the search (with and
without a solution)."""

LINEAR_SOLVER_STATUS_MAP: dict[str, str] = {
    "OPTIMAL": "optimal",
    "FEASIBLE": "limit",
    "INFEASIBLE": "infeasible",
    "UNBOUNDED": "unbounded",
    "ABNORMAL": "solver_error",
    "MODEL_INVALID": "solver_error",
    "NOT_SOLVED": "limit",
}
"""``pywraplp.Solver.ResultStatus`` name -> our termination."""

MATHOPT_STATUS_MAP: dict[str, str] = {
    "OPTIMAL": "optimal",
    "INFEASIBLE": "infeasible",
    "UNBOUNDED": "unbounded",
    "INFEASIBLE_OR_UNBOUNDED": "infeasible_or_unbounded",
    "IMPRECISE": "numerical_error",
    "FEASIBLE": "limit",
    "NO_SOLUTION_FOUND": "limit",
    "NUMERICAL_ERROR": "numerical_error",
    "OTHER_ERROR": "solver_error",
}
"""MathOpt ``TerminationReason`` name -> our termination."""

STATUS_MAP: dict[str, dict[str, str]] = {
    "cp-sat": CP_SAT_STATUS_MAP,
    "linear_solver": LINEAR_SOLVER_STATUS_MAP,
    "mathopt": MATHOPT_STATUS_MAP,
}
"""The three OR-Tools status vocabularies, by API."""

_LP_STATUS_NAMES = {0: "OPTIMAL", 1: "FEASIBLE", 2: "INFEASIBLE", 3: "UNBOUNDED", 4: "ABNORMAL", 5: "MODEL_INVALID"}
_INT64_LIMIT = 2.0**62
_BACKENDS = (
    ("glop", "glop"),
    ("pdlp", "pdlp"),
    ("scip", "scip"),
    ("cbc", "cbc"),
    ("cp-sat", "cp-sat"),
    ("clp", "clp"),
    ("bop", "bop"),
    ("highs", "highs"),
    ("gurobi", "gurobi"),
)
_RELAXING_BACKENDS = frozenset({"glop", "pdlp", "clp"})
_MISSING_MATHOPT = frozenset({"GUROBI", "GLPK", "OSQP", "ECOS", "SCS", "SANTORINI"})
_VERSION_RE = re.compile(r"\d+(?:\.\d+)+")

# The accessors the capture reads with, taken once at install time: a program that patches OR-Tools' classes
# afterwards changes what it sees itself, not what the capture reports.
_API: Any = types.SimpleNamespace(
    cp_model_proto=cp_model.CpModel.proto.fget,  # type: ignore[attr-defined]
    cp_response=cp_model.CpSolver.response_proto.fget,  # type: ignore[attr-defined]
    cp_objective=cp_model.CpSolver.objective_value.fget,  # type: ignore[attr-defined]
    cp_bound=cp_model.CpSolver.best_objective_bound.fget,  # type: ignore[attr-defined]
    lp_export=pywraplp.Solver.ExportModelToProto,
    lp_version=pywraplp.Solver.SolverVersion,
    lp_solve_with_proto=pywraplp.Solver.SolveWithProto,
    lp_load_solution=pywraplp.Solver.LoadSolutionFromProto,
    lp_variables=pywraplp.Solver.variables,
    lp_var_value=pywraplp.Variable.solution_value,
    lp_objective=pywraplp.Solver.Objective,
    lp_objective_value=pywraplp.Objective.Value,
    lp_objective_bound=pywraplp.Objective.BestBound,
    mo_export=mathopt.Model.export_model,
    mo_has_solution=mathopt.SolveResult.has_primal_feasible_solution,
    mo_variable_values=mathopt.SolveResult.variable_values,
    mo_objective=mathopt.SolveResult.objective_value,
)


def install(recorder: Recorder) -> None:
    """Wrap CP-SAT, ``pywraplp`` and MathOpt solve entry points so every solve reports to ``recorder``."""
    _install_cp_sat(recorder)
    _install_linear_solver(recorder)
    _install_mathopt(recorder)


def _mark(func: Callable[..., Any]) -> Callable[..., Any]:
    func.__optagent_wrapped__ = True  # type: ignore[attr-defined]
    return func


def _wrapped(func: Any) -> bool:
    return bool(getattr(func, "__optagent_wrapped__", False))


def _version_of(text: str) -> str:
    found = _VERSION_RE.search(text)
    return found.group(0) if found else text


def _bound(value: Any) -> float:
    number = float(value)
    if number >= _INT64_LIMIT:
        return math.inf
    if number <= -_INT64_LIMIT:
        return -math.inf
    return number


# -- CP-SAT ----------------------------------------------------------------------------------------------------


def _install_cp_sat(recorder: Recorder) -> None:
    for name in (
        "solve",
        "Solve",
        "SolveWithSolutionCallback",
        "solve_with_solution_callback",
        "SearchForAllSolutions",
        "search_for_all_solutions",
    ):
        original = cp_model.CpSolver.__dict__.get(name)
        if original is None or _wrapped(original):
            continue
        setattr(cp_model.CpSolver, name, _cp_sat_wrapper(recorder, original))


def _cp_sat_wrapper(recorder: Recorder, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with recorder.outer_call() as outer:
            if not outer:
                return original(self, *args, **kwargs)
            session = CaptureSession(recorder, DIALECT)
            model = args[0] if args else kwargs.get("model")
            return session.execute(
                lambda: original(self, *args, **kwargs),
                lambda status, exc: _finish_cp_sat(session, self, model, status, exc),
            )

    return _mark(wrapper)


_LINEAR_KINDS = ("linear", "bool_or", "bool_and", "at_most_one", "exactly_one")


def _has(message: Any, name: str) -> bool:
    """Whether a oneof/optional field is set, for both protobuf messages and OR-Tools' pybind11 protos."""
    checker = getattr(message, f"has_{name}", None)
    if callable(checker):
        return bool(checker())
    return bool(message.HasField(name))


def _literal(ref: int) -> tuple[int, float, float]:
    """``(column, coefficient, constant)`` of a CP-SAT literal as a 0/1 expression: ``x`` or ``1 - x``."""
    return (ref, 1.0, 0.0) if ref >= 0 else (-ref - 1, -1.0, 1.0)


def _cp_sat_rows(proto: Any) -> tuple[list[tuple[list[tuple[int, float]], float, float, str]] | None, int, int]:
    """The constraints as linear rows ``(terms, lower, upper, name)``, or None when one is not linear.

    Also returns how many constraints are linear and how many are not, for the statistics.
    """
    rows: list[tuple[list[tuple[int, float]], float, float, str]] = []
    linear = other = 0
    exportable = True
    for con in proto.constraints:
        kind = next((k for k in _LINEAR_KINDS if _has(con, k)), "other")
        if len(con.enforcement_literal) or kind == "other":
            other += 1
            exportable = False
            continue
        linear += 1
        if not exportable:
            continue
        if kind == "linear":
            domain = list(con.linear.domain)
            if len(domain) != 2 or any(v < 0 for v in con.linear.vars):  # noqa: PLR2004 - one interval
                exportable = False
                continue
            terms = [(int(v), float(c)) for v, c in zip(con.linear.vars, con.linear.coeffs, strict=True)]
            rows.append((terms, _bound(domain[0]), _bound(domain[1]), con.name))
            continue
        literals = list(getattr(con, kind).literals)
        parts = [_literal(ref) for ref in literals]
        constant = sum(p[2] for p in parts)
        terms = [(p[0], p[1]) for p in parts]
        if kind == "bool_and":
            for col, coef, const in parts:
                rows.append(([(col, coef)], 1.0 - const, 1.0 - const, con.name))
        elif kind == "bool_or":
            rows.append((terms, 1.0 - constant, math.inf, con.name))
        elif kind == "at_most_one":
            rows.append((terms, -math.inf, 1.0 - constant, con.name))
        else:
            rows.append((terms, 1.0 - constant, 1.0 - constant, con.name))
    return (rows if exportable else None), linear, other


def _cp_sat_objective(proto: Any) -> tuple[bool, float, dict[int, float], bool] | None:
    """``(maximize, offset, costs, has_objective)`` in the user's terms, or None when not expressible."""
    if _has(proto, "objective"):
        obj = proto.objective
        scale = obj.scaling_factor or 1.0
        if any(v < 0 for v in obj.vars):
            return None
        costs: dict[int, float] = {}
        for v, c in zip(obj.vars, obj.coeffs, strict=True):
            costs[int(v)] = costs.get(int(v), 0.0) + scale * float(c)
        return scale < 0, scale * float(obj.offset), costs, True
    if _has(proto, "floating_point_objective"):
        fobj = proto.floating_point_objective
        if any(v < 0 for v in fobj.vars):
            return None
        costs = {}
        for v, c in zip(fobj.vars, fobj.coeffs, strict=True):
            costs[int(v)] = costs.get(int(v), 0.0) + float(c)
        return bool(fobj.maximize), float(fobj.offset), costs, True
    return False, 0.0, {}, False


def _finish_cp_sat(session: CaptureSession, solver: Any, model: Any, status: Any, exc: BaseException | None) -> None:
    record = session.record
    record["solver"] = "cp-sat"
    record["solver_version"] = _VERSION
    proto = _API.cp_model_proto(model) if model is not None else None
    objective = None
    rows: list[tuple[list[tuple[int, float]], float, float, str]] | None = None
    other = 0
    names: list[str] = []
    domains: list[list[int]] = []
    if proto is not None:
        names = unique_names([v.name for v in proto.variables], "_v")
        domains = [list(v.domain) for v in proto.variables]
        binary = sum(1 for d in domains if d and d[0] >= 0 and d[-1] <= 1)
        rows, linear, other = _cp_sat_rows(proto)
        objective = _cp_sat_objective(proto)
        record["stats"] = {
            "variables": len(domains),
            "continuous": 0,
            "integer": len(domains) - binary,
            "binary": binary,
            "constraints": linear + other,
            "nonzeros": sum(len(r[0]) for r in rows) if rows is not None else 0,
            "linear_constraints": linear,
            "quadratic_constraints": 0,
            "nonlinear_constraints": 0,
            "logical_constraints": other,
            "objective": "linear" if objective is None or objective[3] else "none",
        }
        if objective is not None and not objective[3]:
            record["sense"] = "feasibility"
        elif objective is not None:
            record["sense"] = "maximize" if objective[0] else "minimize"
    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
        record["termination"] = "solver_error"
        record["raw_status"] = type(exc).__name__
        return
    raw = getattr(status, "name", None) or str(status)
    record["raw_status"] = raw
    response = _API.cp_response(solver)
    has_solution = len(response.solution) > 0
    mapped = CP_SAT_STATUS_MAP.get(raw, "unknown")
    record["termination"] = limit_termination(has_solution) if mapped == "limit" else mapped
    values: list[float] = []
    if record["termination"] in SOLUTION_TERMINATIONS and proto is not None:
        values = [float(v) for v in response.solution]
        record["variable_values"] = dict(zip(names, values, strict=False))
        if objective is not None and objective[3]:
            record["objective_value"] = finite(_API.cp_objective(solver))
            record["objective_bound"] = finite(_API.cp_bound(solver))
            record["mip_gap"] = gap(record["objective_value"], record["objective_bound"])
        else:
            record["objective_value"] = 0.0
    if proto is None or not session.recorder.export_instances:
        return
    if rows is None or objective is None:
        if other:
            session.note("no instance exported: the CP-SAT model has constraints that are not linear")
        return

    def export() -> None:
        maximize, offset, costs, _ = objective
        n = len(domains)
        cost = [0.0] * n
        for j, c in costs.items():
            cost[j] = c
        a_rows: list[int] = []
        a_cols: list[int] = []
        a_vals: list[float] = []
        for i, (terms, _, _, _) in enumerate(rows):
            for col, coef in terms:
                a_rows.append(i)
                a_cols.append(col)
                a_vals.append(coef)
        inst = LinearInstance(
            col_names=names,
            col_cost=cost,
            col_lower=[_bound(d[0]) if d else -math.inf for d in domains],
            col_upper=[_bound(d[-1]) if d else math.inf for d in domains],
            col_integer=[True] * n,
            row_lower=[r[1] for r in rows],
            row_upper=[r[2] for r in rows],
            a_rows=a_rows,
            a_cols=a_cols,
            a_vals=a_vals,
            row_names=[r[3] for r in rows],
            maximize=maximize,
            offset=offset,
        )
        if any(len(d) > 2 for d in domains):  # noqa: PLR2004 - a domain with holes is not a pair of bounds
            session.note("no instance exported: a CP-SAT variable domain has holes")
            return
        _write(session, inst, values)

    session.attempt(export, "instance export")


# -- pywraplp --------------------------------------------------------------------------------------------------


def _install_linear_solver(recorder: Recorder) -> None:
    solver_cls = pywraplp.Solver
    original_solve = solver_cls.Solve
    if _wrapped(original_solve):
        return
    original_create = solver_cls.CreateSolver

    @functools.wraps(original_create)
    def create_solver(*args: Any, **kwargs: Any) -> Any:
        solver = original_create(*args, **kwargs)
        name = str(args[0] if args else kwargs.get("solver_id", ""))
        try:
            key = name.upper()
            substitute = ""
            if key.startswith("HIGHS") or solver is None:
                lp_only = ("LP" in key or "LINEAR" in key) and "MIP" not in key and "MIXED" not in key
                substitute = "GLOP" if lp_only else "SCIP"
                if solver is None and key.split("_")[0] not in _KNOWN_COMMERCIAL:
                    return solver  # an unknown name: CreateSolver's None is the honest answer
                replacement = original_create(substitute)
                if replacement is None:
                    return solver
                solver = replacement
                why = "maps to PDLP in this OR-Tools build" if key.startswith("HIGHS") else "is not available here"
                solver._optagent_requested = name
                solver._optagent_note = f"requested {name}; ran {substitute} ({name} {why})"
        except Exception:  # noqa: BLE001, S110 - substitution must never break CreateSolver
            pass
        return solver

    solver_cls.CreateSolver = staticmethod(_mark(create_solver))

    for setter in ("SetTimeLimit", "set_time_limit"):
        original_setter = solver_cls.__dict__.get(setter)
        if original_setter is None:
            continue
        setattr(solver_cls, setter, _time_limit_wrapper(original_setter))

    @functools.wraps(original_solve)
    def solve(self: Any, *args: Any) -> Any:
        with recorder.outer_call() as outer:
            if not outer:
                return original_solve(self, *args)
            session = CaptureSession(recorder, DIALECT)
            proto = session.guard(lambda: _lp_proto(self), "model export")
            backend = session.guard(lambda: _backend(self), "backend") or ""
            resolve = session.guard(lambda: _needs_resolve(backend, proto), "solver check") if proto else None

            def call() -> Any:
                if resolve:
                    return _resolve_with_scip(self, proto, backend)
                return original_solve(self, *args)

            return session.execute(
                call, lambda status, exc: _finish_lp(session, self, proto, backend, resolve, status, exc)
            )

    solver_cls.Solve = _mark(solve)


_KNOWN_COMMERCIAL = frozenset({"GUROBI", "CPLEX", "XPRESS", "GLPK", "COPT", "MOSEK", "KNITRO", "HIGHS"})


def _time_limit_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def setter(self: Any, milliseconds: Any) -> Any:
        try:
            self._optagent_time_limit_ms = float(milliseconds)
        except Exception:  # noqa: BLE001, S110
            pass
        return original(self, milliseconds)

    return _mark(setter)


def _lp_proto(solver: Any) -> Any:
    proto = linear_solver_pb2.MPModelProto()
    _API.lp_export(solver, proto)
    return proto


def _backend(solver: Any) -> str:
    version = str(_API.lp_version(solver)).lower()
    for needle, label in _BACKENDS:
        if needle in version:
            return label
    return version.split()[0] if version else ""


def _needs_resolve(backend: str, proto: Any) -> str:
    """Why this model must not go to ``backend`` ("" when it may)."""
    integer = any(v.is_integer for v in proto.variable)
    if backend in _RELAXING_BACKENDS and integer:
        return f"{backend.upper()} ignores integrality and would return the LP relaxation"
    if backend == "cp-sat" and any(not v.is_integer for v in proto.variable):
        return "CP-SAT treats continuous variables as integers"
    return ""


def _resolve_with_scip(solver: Any, proto: Any, backend: str) -> int:
    """Solve the program's model with SCIP and load the answer into its solver object; return its status."""
    request = linear_solver_pb2.MPModelRequest()
    request.model.CopyFrom(proto)
    request.solver_type = linear_solver_pb2.MPModelRequest.SCIP_MIXED_INTEGER_PROGRAMMING
    limit = getattr(solver, "_optagent_time_limit_ms", None)
    if limit:
        request.solver_time_limit_seconds = float(limit) / 1000.0
    response = linear_solver_pb2.MPSolutionResponse()
    _API.lp_solve_with_proto(request, response)
    status = int(response.status)
    if status in (0, 1) and len(response.variable_value) == len(proto.variable):
        _API.lp_load_solution(solver, response)
    solver._optagent_response = response
    if status in _LP_STATUS_NAMES:
        return status
    return 5 if status in (7, 8, 9) else 6  # invalid parameters/unavailable/incompatible -> MODEL_INVALID


def _lp_instance(proto: Any) -> LinearInstance | None:
    if len(proto.general_constraint):
        return None
    rows_i: list[int] = []
    cols_j: list[int] = []
    vals: list[float] = []
    for i, con in enumerate(proto.constraint):
        rows_i.extend([i] * len(con.var_index))
        cols_j.extend(con.var_index)
        vals.extend(con.coefficient)
    quad = proto.quadratic_objective
    return LinearInstance(
        col_names=[v.name for v in proto.variable],
        col_cost=[v.objective_coefficient for v in proto.variable],
        col_lower=[v.lower_bound for v in proto.variable],
        col_upper=[v.upper_bound for v in proto.variable],
        col_integer=[v.is_integer for v in proto.variable],
        row_lower=[c.lower_bound for c in proto.constraint],
        row_upper=[c.upper_bound for c in proto.constraint],
        a_rows=rows_i,
        a_cols=cols_j,
        a_vals=vals,
        row_names=[c.name for c in proto.constraint],
        maximize=bool(proto.maximize),
        offset=float(proto.objective_offset),
        q_rows=list(quad.qvar1_index),
        q_cols=list(quad.qvar2_index),
        q_vals=list(quad.coefficient),
    )


def _finish_lp(
    session: CaptureSession,
    solver: Any,
    proto: Any,
    backend: str,
    resolve: str | None,
    status: Any,
    exc: BaseException | None,
) -> None:
    record = session.record
    record["solver"] = "scip" if resolve else backend
    record["solver_version"] = _VERSION if resolve else _version_of(str(_API.lp_version(solver)))
    requested = getattr(solver, "_optagent_requested", "")
    note = getattr(solver, "_optagent_note", "")
    if requested:
        record["requested_solver"] = requested
        session.note(note)
    if resolve:
        record["requested_solver"] = requested or backend
        session.note(f"requested {requested or backend}; ran scip ({resolve})")
    if backend == "pdlp" and not resolve:
        session.note("PDLP is a first-order method: its optimum is accurate only to about 1e-4 relative")
    names: list[str] = []
    if proto is not None:
        names = unique_names([v.name for v in proto.variable], "_v")
        integer = [v.is_integer for v in proto.variable]
        binary = sum(1 for v in proto.variable if v.is_integer and v.lower_bound >= 0 and v.upper_bound <= 1)
        quad_obj = len(proto.quadratic_objective.coefficient) > 0
        has_obj = quad_obj or any(v.objective_coefficient for v in proto.variable)
        general = len(proto.general_constraint)
        record["stats"] = {
            "variables": len(names),
            "continuous": len(names) - sum(integer),
            "integer": sum(integer) - binary,
            "binary": binary,
            "constraints": len(proto.constraint) + general,
            "nonzeros": sum(len(c.var_index) for c in proto.constraint),
            "linear_constraints": len(proto.constraint),
            "quadratic_constraints": 0,
            "nonlinear_constraints": 0,
            "logical_constraints": general,
            "objective": "quadratic" if quad_obj else ("linear" if has_obj else "none"),
        }
        record["sense"] = "maximize" if proto.maximize else "minimize"
        if not has_obj:
            record["sense"] = "feasibility"
    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
        record["termination"] = "solver_error"
        record["raw_status"] = type(exc).__name__
        return
    code = int(status)
    raw = _LP_STATUS_NAMES.get(code, "NOT_SOLVED")
    record["raw_status"] = raw
    mapped = LINEAR_SOLVER_STATUS_MAP.get(raw, "unknown")
    has_solution = code in (0, 1)
    record["termination"] = limit_termination(has_solution) if mapped == "limit" else mapped
    if backend == "glop" and raw == "INFEASIBLE" and not resolve:
        # GLOP's presolve answers INFEASIBLE for "infeasible or unbounded"; claiming more would be wrong.
        record["termination"] = "infeasible_or_unbounded"
        session.note("GLOP reports INFEASIBLE also for unbounded models; the model is infeasible or unbounded")
    values: list[float] = []
    if record["termination"] in SOLUTION_TERMINATIONS and proto is not None:
        values = [float(_API.lp_var_value(v)) + 0.0 for v in _API.lp_variables(solver)]
        record["variable_values"] = dict(zip(names, values, strict=False))
        objective = _API.lp_objective(solver)
        record["objective_value"] = finite(_API.lp_objective_value(objective))
        if record["stats"]["integer"] + record["stats"]["binary"]:
            response = getattr(solver, "_optagent_response", None) if resolve else None
            best = response.best_objective_bound if response is not None else _API.lp_objective_bound(objective)
            bound = finite(best)
            record["objective_bound"] = bound
            record["mip_gap"] = gap(record["objective_value"], bound)
        elif record["termination"] == "optimal":
            record["objective_bound"] = record["objective_value"]
    if proto is None or not session.recorder.export_instances:
        return
    if len(proto.general_constraint):
        session.note("no instance exported: the model has general (indicator, SOS, quadratic...) constraints")
        return

    def export() -> None:
        inst = _lp_instance(proto)
        if inst is not None:
            _write(session, inst, values)

    session.attempt(export, "instance export")


# -- MathOpt ---------------------------------------------------------------------------------------------------


def _install_mathopt(recorder: Recorder) -> None:
    from ortools.math_opt.python import solve as solve_module

    original = solve_module.solve
    if _wrapped(original):
        return

    @functools.wraps(original)
    def solve(opt_model: Any, solver_type: Any, **kwargs: Any) -> Any:
        with recorder.outer_call() as outer:
            if not outer:
                return original(opt_model, solver_type, **kwargs)
            session = CaptureSession(recorder, DIALECT)
            proto = session.guard(lambda: _API.mo_export(opt_model), "model export")
            plan = session.guard(lambda: _mathopt_plan(solver_type, proto), "solver choice") if proto else None
            chosen = plan[0] if plan else solver_type
            if plan:
                session.record["requested_solver"] = _enum_name(solver_type)
                session.note(plan[1])
            return session.execute(
                lambda: original(opt_model, chosen, **kwargs),
                lambda result, exc: _finish_mathopt(session, opt_model, proto, chosen, result, exc),
            )

    _mark(solve)
    solve_module.solve = solve
    mathopt.solve = solve

    incremental = mathopt.IncrementalSolver
    original_incremental = incremental.solve
    if _wrapped(original_incremental):
        return

    @functools.wraps(original_incremental)
    def incremental_solve(self: Any, **kwargs: Any) -> Any:
        with recorder.outer_call() as outer:
            if not outer:
                return original_incremental(self, **kwargs)
            session = CaptureSession(recorder, DIALECT)
            opt_model = getattr(self, "_model", None)
            proto = session.guard(lambda: _API.mo_export(opt_model), "model export") if opt_model else None
            solver_type = getattr(self, "_solver_type", None)
            return session.execute(
                lambda: original_incremental(self, **kwargs),
                lambda result, exc: _finish_mathopt(session, opt_model, proto, solver_type, result, exc),
            )

    incremental.solve = _mark(incremental_solve)


def _enum_name(value: Any) -> str:
    return str(getattr(value, "name", value))


def _mathopt_kind(proto: Any) -> tuple[bool, bool, bool]:
    """``(has_integers, has_continuous, linear)`` of a MathOpt model proto (linear: LP/MILP)."""
    integers = list(proto.variables.integers)
    has_integers = any(integers)
    has_continuous = not all(integers) if integers else False
    linear = (
        len(proto.objective.quadratic_coefficients.coefficients) == 0
        and len(proto.quadratic_constraints) == 0
        and len(proto.second_order_cone_constraints) == 0
        and len(proto.sos1_constraints) == 0
        and len(proto.sos2_constraints) == 0
        and len(proto.indicator_constraints) == 0
    )
    return has_integers, has_continuous, linear


def _mathopt_plan(solver_type: Any, proto: Any) -> tuple[Any, str] | None:
    name = _enum_name(solver_type)
    _, has_continuous, linear = _mathopt_kind(proto)
    if name in _MISSING_MATHOPT:
        target = mathopt.SolverType.HIGHS if linear else mathopt.SolverType.GSCIP
        return target, f"requested {name}; ran {target.name} ({name} is not available in this OR-Tools build)"
    if name == "CP_SAT" and has_continuous:
        target = mathopt.SolverType.HIGHS if linear else mathopt.SolverType.GSCIP
        return target, f"requested CP_SAT; ran {target.name} (CP-SAT treats continuous variables as integers)"
    return None


def _mathopt_instance(proto: Any) -> tuple[LinearInstance, dict[int, int]]:
    var_ids = list(proto.variables.ids)
    col_of = {vid: j for j, vid in enumerate(var_ids)}
    row_of = {cid: i for i, cid in enumerate(proto.linear_constraints.ids)}
    n = len(var_ids)
    cost = [0.0] * n
    lin = proto.objective.linear_coefficients
    for vid, val in zip(lin.ids, lin.values, strict=True):
        cost[col_of[vid]] += float(val)
    quad = proto.objective.quadratic_coefficients
    matrix = proto.linear_constraint_matrix
    names = list(proto.variables.names) or [""] * n
    row_names = list(proto.linear_constraints.names)
    inst = LinearInstance(
        col_names=unique_names(names, "_v"),
        col_cost=cost,
        col_lower=list(proto.variables.lower_bounds),
        col_upper=list(proto.variables.upper_bounds),
        col_integer=list(proto.variables.integers) or [False] * n,
        row_lower=list(proto.linear_constraints.lower_bounds),
        row_upper=list(proto.linear_constraints.upper_bounds),
        a_rows=[row_of[r] for r in matrix.row_ids],
        a_cols=[col_of[c] for c in matrix.column_ids],
        a_vals=list(matrix.coefficients),
        row_names=row_names,
        maximize=bool(proto.objective.maximize),
        offset=float(proto.objective.offset),
        q_rows=[col_of[r] for r in quad.row_ids],
        q_cols=[col_of[c] for c in quad.column_ids],
        q_vals=list(quad.coefficients),
    )
    return inst, col_of


def _finish_mathopt(
    session: CaptureSession,
    opt_model: Any,
    proto: Any,
    solver_type: Any,
    result: Any,
    exc: BaseException | None,
) -> None:
    record = session.record
    solver_name = _enum_name(solver_type).lower() if solver_type is not None else ""
    record["solver"] = {"gscip": "scip", "cp_sat": "cp-sat"}.get(solver_name, solver_name)
    record["solver_version"] = _VERSION
    names: list[str] = []
    col_of: dict[int, int] = {}
    if proto is not None:
        n = len(proto.variables.ids)
        names = unique_names(list(proto.variables.names) or [""] * n, "_v")
        col_of = {vid: j for j, vid in enumerate(proto.variables.ids)}
        integers = list(proto.variables.integers) or [False] * n
        lower = list(proto.variables.lower_bounds)
        upper = list(proto.variables.upper_bounds)
        binary = sum(1 for j in range(n) if integers[j] and lower[j] >= 0 and upper[j] <= 1)
        quad_obj = len(proto.objective.quadratic_coefficients.coefficients) > 0
        has_obj = quad_obj or any(proto.objective.linear_coefficients.values)
        cones = len(proto.second_order_cone_constraints)
        other = len(proto.sos1_constraints) + len(proto.sos2_constraints) + len(proto.indicator_constraints)
        record["stats"] = {
            "variables": n,
            "continuous": n - sum(integers),
            "integer": sum(integers) - binary,
            "binary": binary,
            "constraints": len(proto.linear_constraints.ids) + len(proto.quadratic_constraints) + cones + other,
            "nonzeros": len(proto.linear_constraint_matrix.coefficients),
            "linear_constraints": len(proto.linear_constraints.ids),
            "quadratic_constraints": len(proto.quadratic_constraints),
            "nonlinear_constraints": cones,
            "logical_constraints": other,
            "objective": "quadratic" if quad_obj else ("linear" if has_obj else "none"),
        }
        record["sense"] = "maximize" if proto.objective.maximize else "minimize"
        if not has_obj:
            record["sense"] = "feasibility"
        if len(proto.auxiliary_objectives):
            session.note("the model has auxiliary objectives; only the primary one is reported")
    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
        record["termination"] = "solver_error"
        record["raw_status"] = type(exc).__name__
        return
    termination = result.termination
    reason = _enum_name(termination.reason)
    limit = _enum_name(termination.limit) if termination.limit is not None else ""
    record["raw_status"] = f"{reason}/{limit}" if limit else reason
    has_solution = bool(_API.mo_has_solution(result))
    mapped = MATHOPT_STATUS_MAP.get(reason, "unknown")
    record["termination"] = limit_termination(has_solution) if mapped == "limit" else mapped
    values: list[float] = []
    if record["termination"] in SOLUTION_TERMINATIONS and proto is not None:
        by_column = [0.0] * len(names)
        for var, val in _API.mo_variable_values(result).items():
            j = col_of.get(var.id)
            if j is not None:
                by_column[j] = float(val) + 0.0
        values = by_column
        record["variable_values"] = dict(zip(names, values, strict=True))
        record["objective_value"] = finite(_API.mo_objective(result))
        bound = finite(termination.objective_bounds.dual_bound)
        record["objective_bound"] = bound
        if record["stats"]["integer"] + record["stats"]["binary"]:
            record["mip_gap"] = gap(record["objective_value"], bound)
    if proto is None or not session.recorder.export_instances:
        return
    stats = record["stats"]
    if stats["quadratic_constraints"] or stats["nonlinear_constraints"] or stats.get("logical_constraints"):
        session.note("no instance exported: the model has quadratic, cone, SOS or indicator constraints")
        return

    def export() -> None:
        inst, _ = _mathopt_instance(proto)
        _write(session, inst, values)

    session.attempt(export, "instance export")


# -- shared ----------------------------------------------------------------------------------------------------


def _write(session: CaptureSession, inst: LinearInstance, values: list[float]) -> None:
    path = session.recorder.instance_path("mps")
    keys = write_instance(path, inst)
    session.record["instance_path"] = path
    session.record["instance_format"] = "mps"
    if values and len(values) == len(keys):
        session.instance_values = dict(zip(keys, values, strict=True))

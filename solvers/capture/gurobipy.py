"""Capture of solves made with the real gurobipy (only where the sandbox routes ``gurobipy`` to the real package).

By default ``import gurobipy`` in a model program gives optagent's compatibility layer (:mod:`solvers.compat`),
captured by ``solvers.capture.compat``. This module serves the ``real`` routing: users with a Gurobi licence, and
the coverage script that measures the compat layer against the real package as its oracle.

``gurobipy.Model.optimize`` is a plain class attribute, so it is replaced in place: every model a program creates,
however it was created (``Model()``, ``read``, ``copy``), is captured. The accessors the capture reads with
(``getAttr``, ``getVars``, ...) are saved at install time, so a program that patches them later cannot change what
is recorded. Everything is read after the solve, when Gurobi's lazy updates have been applied.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gurobipy

from solvers.capture import (
    SOLUTION_TERMINATIONS,
    CaptureSession,
    describe,
    finite,
    gap,
    limit_termination,
    solve_wrapper,
)
from solvers.capture import unique_names as _unique_names
from solvers.capture.highspy import LinearInstance, write_instance

if TYPE_CHECKING:
    from solvers.capture.recorder import Recorder

__all__ = ["STATUS_MAP", "install"]

DIALECT = "gurobipy"

STATUS_MAP: dict[int, str] = {
    1: "unknown",  # LOADED: optimize() did not run (or was interrupted before starting)
    2: "optimal",
    3: "infeasible",
    4: "infeasible_or_unbounded",
    5: "unbounded",
    6: "no_solution_found",  # CUTOFF: the optimum is worse than the Cutoff parameter; no solution is available
    7: "limit",  # ITERATION_LIMIT
    8: "limit",  # NODE_LIMIT
    9: "limit",  # TIME_LIMIT
    10: "limit",  # SOLUTION_LIMIT
    11: "limit",  # INTERRUPTED
    12: "numerical_error",  # NUMERIC
    13: "feasible",  # SUBOPTIMAL
    14: "unknown",  # INPROGRESS (asynchronous optimization)
    15: "limit",  # USER_OBJ_LIMIT
    16: "limit",  # WORK_LIMIT
    17: "limit",  # MEM_LIMIT
    18: "feasible",  # LOCALLY_OPTIMAL (nonconvex NLP solved locally): a solution, not proven optimal
    19: "infeasible",  # LOCALLY_INFEASIBLE
}
"""``Model.Status`` -> our termination; ``limit`` becomes ``feasible`` or ``no_solution_found`` (``SolCount``)."""

_LOGICAL_GENCONSTRS = frozenset({0, 1, 2, 3, 4, 5, 7, 8})
"""MAX, MIN, ABS, AND, OR, NORM, INDICATOR, PWL: piecewise-linear or logical; the other general constraints (POLY,
EXP, LOG, POW, SIN, ..., NL) are nonlinear functions."""

_Model: Any = gurobipy.Model
_get_attr: Callable[..., Any] = _Model.getAttr
_get_vars: Callable[..., Any] = _Model.getVars
_get_constrs: Callable[..., Any] = _Model.getConstrs
_get_genconstrs: Callable[..., Any] = _Model.getGenConstrs
_get_a: Callable[..., Any] = _Model.getA
_get_q: Callable[..., Any] = _Model.getQ


def install(recorder: Recorder) -> None:
    """Replace ``gurobipy.Model.optimize`` with a wrapper that reports each solve to ``recorder``."""
    original = _Model.optimize
    if getattr(original, "__optagent_wrapped__", False):
        return

    _Model.optimize = solve_wrapper(recorder, original, DIALECT, _finish)


def _attr(model: Any, name: str, default: Any = None) -> Any:
    """A model attribute, or ``default`` where Gurobi has none for this model (``MIPGap`` of an LP)."""
    try:
        return _get_attr(model, name)
    except (gurobipy.GurobiError, AttributeError):
        return default


def _stats(model: Any) -> dict[str, Any]:
    """Size and structure of the model, from Gurobi's own counters (the general constraints classified)."""
    n_vars = int(_attr(model, "NumVars", 0))
    n_int = int(_attr(model, "NumIntVars", 0))  # binaries included
    n_bin = int(_attr(model, "NumBinVars", 0))
    n_lin = int(_attr(model, "NumConstrs", 0))
    n_quad = int(_attr(model, "NumQConstrs", 0))
    n_sos = int(_attr(model, "NumSOS", 0))
    general = _get_genconstrs(model) if int(_attr(model, "NumGenConstrs", 0)) else []
    kinds = [int(k) for k in _get_attr(model, "GenConstrType", general)] if general else []
    logical = sum(1 for k in kinds if k in _LOGICAL_GENCONSTRS) + n_sos
    nonlinear = len(kinds) - (logical - n_sos)
    if int(_attr(model, "NumQNZs", 0)) or int(_attr(model, "IsQP", 0)):
        objective = "quadratic"
    elif n_vars and any(c != 0 for c in _get_attr(model, "Obj", _get_vars(model))):
        objective = "linear"
    else:
        objective = "none"  # a constant objective decides nothing: a feasibility model
    return {
        "variables": n_vars,
        "continuous": n_vars - n_int,
        "integer": n_int - n_bin,
        "binary": n_bin,
        "constraints": n_lin + n_quad + len(kinds) + n_sos,
        "nonzeros": int(_attr(model, "NumNZs", 0)),
        "linear_constraints": n_lin,
        "quadratic_constraints": n_quad,
        "nonlinear_constraints": nonlinear,
        "logical_constraints": logical,
        "objective": objective,
    }


def _finish(session: CaptureSession, model: Any, exc: BaseException | None) -> None:
    record = session.record
    record["solver"] = "gurobi"
    record["solver_version"] = ".".join(str(part) for part in gurobipy.gurobi.version())
    stats = session.guard(lambda: _stats(model), "model read")
    if stats is not None:
        record["stats"] = stats
    maximize = _attr(model, "ModelSense", 1) == -1
    record["sense"] = "maximize" if maximize else "minimize"
    if stats is not None and stats["objective"] == "none":
        record["sense"] = "feasibility"
    if int(_attr(model, "NumObj", 1) or 1) > 1:
        session.note("multi-objective model: the objective reported is Gurobi's ObjVal (the primary objective)")
    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
        record["termination"] = "solver_error"
        record["raw_status"] = type(exc).__name__
        return
    status = int(_get_attr(model, "Status"))
    record["raw_status"] = _status_name(status)
    has_solution = int(_attr(model, "SolCount", 0) or 0) > 0
    mapped = STATUS_MAP.get(status, "unknown")
    termination = limit_termination(has_solution) if mapped == "limit" else mapped
    if termination in SOLUTION_TERMINATIONS and not has_solution:
        termination = "no_solution_found"
    record["termination"] = termination
    if termination not in SOLUTION_TERMINATIONS:
        return
    variables = _get_vars(model)
    values = [float(v) + 0.0 for v in _get_attr(model, "X", variables)] if variables else []
    names = _unique_names(_get_attr(model, "VarName", variables) if variables else [], "x")
    record["variable_values"] = dict(zip(names, values, strict=True))
    record["objective_value"] = finite(_attr(model, "ObjVal"))
    discrete = stats is not None and stats["integer"] + stats["binary"] > 0
    if discrete:
        record["objective_bound"] = finite(_attr(model, "ObjBound"))
        record["mip_gap"] = gap(record["objective_value"], record["objective_bound"])
    elif termination == "optimal":
        record["objective_bound"] = finite(_attr(model, "ObjBound", record["objective_value"]))
    if stats is not None and session.recorder.export_instances:
        session.attempt(lambda: _export(session, model, stats, values), "instance export")


def _status_name(status: int) -> str:
    for name in dir(gurobipy.GRB.Status):
        if not name.startswith("_") and getattr(gurobipy.GRB.Status, name) == status:
            return name
    return str(status)


def _exportable(model: Any, stats: dict[str, Any]) -> str | None:
    """Why the model cannot be exported as a linear/QP instance HiGHS re-solves, or None when it can."""
    if stats["quadratic_constraints"] or stats["nonlinear_constraints"] or stats["logical_constraints"]:
        return "quadratic, general or SOS constraints"
    if int(_attr(model, "NumObj", 1) or 1) > 1:
        return "several objectives"
    if int(_attr(model, "NumPWLObjVars", 0) or 0):
        return "a piecewise-linear objective"
    if any(t in ("S", "N") for t in _get_attr(model, "VType", _get_vars(model))):
        return "semi-continuous variables"
    return None


def _export(session: CaptureSession, model: Any, stats: dict[str, Any], values: list[float]) -> None:
    """Write the solved model as MPS through HiGHS (names made safe there) and key the solution by its columns.

    Built from Gurobi's matrices rather than ``Model.write``: Gurobi writes names as they are, and a name with a
    space, or two variables sharing one, would make a file that reads back as a different model.
    """
    reason = _exportable(model, stats)
    if reason is not None:
        session.note(f"no instance exported: the model has {reason}")
        return
    variables = _get_vars(model)
    constrs = _get_constrs(model)
    big = float(gurobipy.GRB.INFINITY)

    def bound(value: float) -> float:
        return math.copysign(math.inf, value) if abs(value) >= big else float(value)

    kinds = _get_attr(model, "VType", variables) if variables else []
    lower = [bound(b) for b in _get_attr(model, "LB", variables)] if variables else []
    upper = [bound(b) for b in _get_attr(model, "UB", variables)] if variables else []
    for j, kind in enumerate(kinds):
        if kind == "B":
            lower[j], upper[j] = max(lower[j], 0.0), min(upper[j], 1.0)
    senses = _get_attr(model, "Sense", constrs) if constrs else []
    rhs = [float(r) for r in _get_attr(model, "RHS", constrs)] if constrs else []
    row_lower = [-math.inf if s == "<" else r for s, r in zip(senses, rhs, strict=True)]
    row_upper = [math.inf if s == ">" else r for s, r in zip(senses, rhs, strict=True)]
    matrix = _get_a(model).tocoo() if constrs and variables else None
    q_rows: list[int] = []
    q_cols: list[int] = []
    q_vals: list[float] = []
    if stats["objective"] == "quadratic":
        q = _get_q(model).tocoo()
        q_rows, q_cols, q_vals = q.row.tolist(), q.col.tolist(), q.data.tolist()
    instance = LinearInstance(
        col_names=_get_attr(model, "VarName", variables) if variables else [],
        col_cost=[float(c) for c in _get_attr(model, "Obj", variables)] if variables else [],
        col_lower=lower,
        col_upper=upper,
        col_integer=[k != "C" for k in kinds],
        row_lower=row_lower,
        row_upper=row_upper,
        a_rows=matrix.row.tolist() if matrix is not None else [],
        a_cols=matrix.col.tolist() if matrix is not None else [],
        a_vals=matrix.data.tolist() if matrix is not None else [],
        row_names=_get_attr(model, "ConstrName", constrs) if constrs else [],
        maximize=_attr(model, "ModelSense", 1) == -1,
        offset=float(_attr(model, "ObjCon", 0.0) or 0.0),
        q_rows=q_rows,
        q_cols=q_cols,
        q_vals=q_vals,
    )
    path = session.recorder.instance_path("mps")
    columns = write_instance(path, instance)
    session.record["instance_path"] = path
    session.record["instance_format"] = "mps"
    if len(columns) == len(values):
        session.instance_values = dict(zip(columns, values, strict=True))

"""Capture of solves made with the real coptpy (only where the sandbox routes ``coptpy`` to the real package).

By default ``import coptpy`` in a model program gives optagent's compatibility layer (:mod:`solvers.compat`),
captured by ``solvers.capture.compat``. This module serves the ``real`` routing: users with a COPT licence (or
within the size limits of the free one), and the coverage script that measures the compat layer against the real
package as its oracle.

``coptpy.Model.solve`` and ``solveLP`` are class attributes that can be replaced in place, so every model a program
creates (``Envr().createModel()``, ``clone``, ``read``) is captured. The accessors the capture reads with are saved
at install time, so a program that patches them later cannot change what is recorded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import coptpy

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

DIALECT = "coptpy"

STATUS_MAP: dict[int, str] = {
    0: "unknown",  # UNSTARTED
    1: "optimal",
    2: "infeasible",
    3: "unbounded",
    4: "infeasible_or_unbounded",  # INF_OR_UNB
    5: "numerical_error",  # NUMERICAL
    6: "limit",  # NODELIMIT
    7: "limit",  # IMPRECISE: a solution exists but is not accurate enough to be called optimal
    8: "limit",  # TIMEOUT
    9: "limit",  # UNFINISHED
    10: "limit",  # INTERRUPTED
}
"""``Model.status`` -> our termination; ``limit`` becomes ``feasible`` or ``no_solution_found`` (``HasSol``)."""

_STATUS_NAMES = {
    0: "UNSTARTED",
    1: "OPTIMAL",
    2: "INFEASIBLE",
    3: "UNBOUNDED",
    4: "INF_OR_UNB",
    5: "NUMERICAL",
    6: "NODELIMIT",
    7: "IMPRECISE",
    8: "TIMEOUT",
    9: "UNFINISHED",
    10: "INTERRUPTED",
}

_Model: Any = coptpy.Model
_get_attr: Callable[..., Any] = _Model.getAttr
_get_info: Callable[..., Any] = _Model.getInfo
_get_vars: Callable[..., Any] = _Model.getVars
_get_constrs: Callable[..., Any] = _Model.getConstrs
_get_a: Callable[..., Any] = _Model.getA
_get_objective: Callable[..., Any] = _Model.getObjective


def install(recorder: Recorder) -> None:
    """Replace ``coptpy.Model.solve`` and ``solveLP`` with wrappers that report each solve to ``recorder``."""
    for name in ("solve", "solveLP"):
        original = getattr(_Model, name, None)
        if original is None or getattr(original, "__optagent_wrapped__", False):
            continue
        setattr(_Model, name, solve_wrapper(recorder, original, DIALECT, _finish))


def _attr(model: Any, name: str, default: Any = None) -> Any:
    try:
        return _get_attr(model, name)
    except (coptpy.CoptError, AttributeError, ValueError):
        return default


def _count(model: Any, name: str) -> int:
    return int(_attr(model, name, 0) or 0)


def _stats(model: Any) -> dict[str, Any]:
    """Size and structure of the model, from COPT's own counters (``Ints`` excludes binaries)."""
    n_vars = _count(model, "Cols")
    n_int = _count(model, "Ints")
    n_bin = _count(model, "Bins")
    n_lin = _count(model, "Rows")
    n_quad = _count(model, "QConstrs")
    nonlinear = _count(model, "NLConstrs") + _count(model, "Cones") + _count(model, "ExpCones")
    nonlinear += _count(model, "AffineCones") + _count(model, "PsdConstrs") + _count(model, "LmiConstrs")
    logical = _count(model, "Soss") + _count(model, "Indicators")
    if _count(model, "HasNLObj"):
        objective = "nonlinear"
    elif _count(model, "HasQObj"):
        objective = "quadratic"
    elif n_vars and any(c != 0 for c in _get_info(model, "Obj", _get_vars(model))):
        objective = "linear"
    else:
        objective = "none"  # a constant objective decides nothing: a feasibility model
    return {
        "variables": n_vars,
        "continuous": n_vars - n_int - n_bin,
        "integer": n_int,
        "binary": n_bin,
        "constraints": n_lin + n_quad + nonlinear + logical,
        "nonzeros": _count(model, "Elems"),
        "linear_constraints": n_lin,
        "quadratic_constraints": n_quad,
        "nonlinear_constraints": nonlinear,
        "logical_constraints": logical,
        "objective": objective,
    }


def _version() -> str:
    const = coptpy.COPT
    parts = [getattr(const, name, None) for name in ("VERSION_MAJOR", "VERSION_MINOR", "VERSION_TECHNICAL")]
    if all(isinstance(p, int) for p in parts):
        return ".".join(str(p) for p in parts)
    return str(getattr(const, "Version", ""))


def _finish(session: CaptureSession, model: Any, exc: BaseException | None) -> None:
    record = session.record
    record["solver"] = "copt"
    record["solver_version"] = _version()
    stats = session.guard(lambda: _stats(model), "model read")
    if stats is not None:
        record["stats"] = stats
    maximize = _attr(model, "ObjSense", 1) == -1
    record["sense"] = "maximize" if maximize else "minimize"
    if stats is not None and stats["objective"] == "none":
        record["sense"] = "feasibility"
    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
        record["termination"] = "solver_error"
        record["raw_status"] = type(exc).__name__
        return
    status = int(_get_attr(model, "Status"))
    record["raw_status"] = _STATUS_NAMES.get(status, str(status))
    has_solution = bool(_count(model, "HasSol") or _count(model, "HasMipSol") or _count(model, "HasLpSol"))
    mapped = STATUS_MAP.get(status, "unknown")
    termination = limit_termination(has_solution) if mapped == "limit" else mapped
    if termination in SOLUTION_TERMINATIONS and not has_solution:
        termination = "no_solution_found"
    record["termination"] = termination
    if termination not in SOLUTION_TERMINATIONS:
        return
    variables = _get_vars(model)
    values = [float(v) + 0.0 for v in _get_info(model, "Value", variables)] if len(variables) else []
    names = _unique_names([v.name for v in variables], "x")
    record["variable_values"] = dict(zip(names, values, strict=True))
    record["objective_value"] = finite(_attr(model, "ObjVal"))
    discrete = stats is not None and stats["integer"] + stats["binary"] > 0
    if discrete:
        record["objective_bound"] = finite(_attr(model, "BestBnd"))
        record["mip_gap"] = gap(record["objective_value"], record["objective_bound"])
    elif termination == "optimal":
        record["objective_bound"] = finite(_attr(model, "ObjBound", record["objective_value"]))
    if stats is not None and session.recorder.export_instances:
        session.attempt(lambda: _export(session, model, stats, values), "instance export")


def _export(session: CaptureSession, model: Any, stats: dict[str, Any], values: list[float]) -> None:
    """Write the solved model as MPS through HiGHS (names made safe there); key the solution by its columns."""
    if stats["quadratic_constraints"] or stats["nonlinear_constraints"] or stats["logical_constraints"]:
        session.note("no instance exported: the model has quadratic, conic, nonlinear, SOS or indicator constraints")
        return
    if stats["objective"] == "nonlinear" or _count(model, "MultiObjs") > 1:
        session.note("no instance exported: the objective is nonlinear or there are several objectives")
        return
    variables = list(_get_vars(model))
    constrs = list(_get_constrs(model))
    big = float(coptpy.COPT.INFINITY)

    def bound(value: float) -> float:
        return math.copysign(math.inf, value) if abs(value) >= big else float(value)

    kinds = [v.vtype for v in variables]
    lower = [bound(b) for b in _get_info(model, "LB", variables)] if variables else []
    upper = [bound(b) for b in _get_info(model, "UB", variables)] if variables else []
    matrix = _get_a(model).tocoo() if constrs and variables else None
    objective = _get_objective(model)
    q_rows: list[int] = []
    q_cols: list[int] = []
    q_vals: list[float] = []
    if stats["objective"] == "quadratic":
        for k in range(objective.size):
            q_rows.append(int(objective.getVar1(k).index))
            q_cols.append(int(objective.getVar2(k).index))
            q_vals.append(float(objective.getCoeff(k)))
    instance = LinearInstance(
        col_names=[v.name for v in variables],
        col_cost=[float(c) for c in _get_info(model, "Obj", variables)] if variables else [],
        col_lower=lower,
        col_upper=upper,
        col_integer=[k != "C" for k in kinds],
        row_lower=[bound(b) for b in _get_info(model, "LB", constrs)] if constrs else [],
        row_upper=[bound(b) for b in _get_info(model, "UB", constrs)] if constrs else [],
        a_rows=matrix.row.tolist() if matrix is not None else [],
        a_cols=matrix.col.tolist() if matrix is not None else [],
        a_vals=matrix.data.tolist() if matrix is not None else [],
        row_names=[c.name for c in constrs],
        maximize=_attr(model, "ObjSense", 1) == -1,
        offset=float(_attr(model, "ObjConst", 0.0) or 0.0),
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

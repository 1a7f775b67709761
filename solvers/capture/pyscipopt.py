"""Capture of PySCIPOpt solves.

``pyscipopt.Model`` is a compiled (immutable) type, so its methods cannot be replaced in place. Instead the
names ``pyscipopt.Model`` and ``pyscipopt.scip.Model`` are rebound to a subclass whose ``optimize``,
``optimizeNogil`` and ``solveConcurrent`` are captured; programs build their models after the worker installs
this, so every ``Model()`` they create is the subclass (it still passes ``isinstance(m, pyscipopt.Model)``).

The model is read *before* the solve, while SCIP is still in its problem stage: the original constraints are
classified and, when all of them are linear (SCIP's objective always is), the original problem is exported as MPS.
Exporting then is also a safety matter: SCIP's writers can crash the process on a solved model or on general
nonlinear constraints, and the capture must never do that to a program.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyscipopt
import pyscipopt.scip

from solvers.capture import SOLUTION_TERMINATIONS, CaptureSession, describe, finite, gap, limit_termination
from solvers.capture.highspy import LinearInstance, write_instance

if TYPE_CHECKING:
    from solvers.capture.recorder import Recorder

__all__ = ["STATUS_MAP", "install"]

DIALECT = "pyscipopt"

STATUS_MAP: dict[str, str] = {
    "optimal": "optimal",
    "infeasible": "infeasible",
    "unbounded": "unbounded",
    "inforunbd": "infeasible_or_unbounded",
    "timelimit": "limit",
    "nodelimit": "limit",
    "totalnodelimit": "limit",
    "stallnodelimit": "limit",
    "gaplimit": "limit",
    "primallimit": "limit",
    "duallimit": "limit",
    "memlimit": "limit",
    "sollimit": "limit",
    "bestsollimit": "limit",
    "restartlimit": "limit",
    "userinterrupt": "limit",
    "terminate": "limit",
    "unknown": "unknown",
}
"""``Model.getStatus()`` -> our termination; ``limit`` depends on whether SCIP holds a solution."""

_LINEAR_HANDLERS = frozenset({"linear", "setppc", "logicor", "knapsack", "varbound"})
_PROBLEM_STAGE = 1
_SAFE_NAME = re.compile(r"^[^\s]{1,255}$")
_INFINITY = 1e20

_Base: Any = pyscipopt.scip.Model
"""The compiled type itself: methods are always called through it (``_Base.getObjVal(model)``), because a program
can patch the Python subclass it gets, but not this immutable type."""


def install(recorder: Recorder) -> None:
    """Rebind ``pyscipopt.Model`` to a subclass whose solve methods report to ``recorder``."""
    if getattr(pyscipopt.Model, "__optagent_wrapped__", False):
        return
    namespace: dict[str, Any] = {"__module__": _Base.__module__, "__qualname__": "Model", "__optagent_wrapped__": True}
    for name in ("optimize", "optimizeNogil", "solveConcurrent"):
        original = getattr(_Base, name, None)
        if original is not None:
            namespace[name] = _wrap(recorder, original)
    captured = type("Model", (_Base,), namespace)
    captured.__doc__ = _Base.__doc__
    setattr(pyscipopt, "Model", captured)  # noqa: B010 - the type itself is immutable; rebinding the name is the way
    setattr(pyscipopt.scip, "Model", captured)  # noqa: B010


def _wrap(recorder: Recorder, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with recorder.outer_call() as outer:
            if not outer:
                return original(self, *args, **kwargs)
            session = CaptureSession(recorder, DIALECT)
            before = session.guard(lambda: _before(session, self), "model read") or {}
            return session.execute(
                lambda: original(self, *args, **kwargs),
                lambda _result, exc: _finish(session, self, before, exc),
            )

    return wrapper


def _classify(model: Any) -> dict[str, Any]:
    """Statistics of the original problem and whether it is linear (exportable)."""
    conss = _Base.getConss(model, False)
    variables = _Base.getVars(model, False)
    linear = quadratic = nonlinear = nonzeros = 0
    for cons in conss:
        handler = cons.getConshdlrName()
        if handler in _LINEAR_HANDLERS:
            linear += 1
            nonzeros += int(_Base.getConsNVars(model, cons))
        elif handler == "nonlinear" and _Base.checkQuadraticNonlinear(model, cons):
            quadratic += 1
        else:
            nonlinear += 1
    kinds = [v.vtype() for v in variables]
    binary = sum(1 for k in kinds if k == "BINARY")
    integer = sum(1 for k in kinds if k in ("INTEGER", "IMPLINT"))
    has_objective = any(v.getObj() != 0 for v in variables)
    return {
        "stats": {
            "variables": len(variables),
            "continuous": len(variables) - binary - integer,
            "integer": integer,
            "binary": binary,
            "constraints": len(conss),
            "nonzeros": nonzeros,
            "linear_constraints": linear,
            "quadratic_constraints": quadratic,
            "nonlinear_constraints": nonlinear,
            "objective": "linear" if has_objective else "none",
        },
        "linear": quadratic == 0 and nonlinear == 0,
        "all_linear_handler": all(c.getConshdlrName() == "linear" for c in conss),
    }


def _before(session: CaptureSession, model: Any) -> dict[str, Any]:
    if _Base.getStage(model) != _PROBLEM_STAGE:
        return {}
    info = _classify(model)
    if info["linear"] and session.recorder.export_instances:
        session.attempt(lambda: _export(session, model, info), "instance export")
    return info


def _export(session: CaptureSession, model: Any, info: dict[str, Any]) -> None:
    variables = _Base.getVars(model, False)
    names = [v.name for v in variables]
    path = session.recorder.instance_path("mps")
    if all(_SAFE_NAME.match(n) for n in names) and len(set(names)) == len(names):
        _Base.writeProblem(model, path, trans=False, genericnames=False, verbose=False)
        info["columns"] = names
    elif info["all_linear_handler"]:
        info["columns"] = write_instance(path, _instance(model, variables))
    else:
        session.note("no instance exported: variable names are not MPS-safe and the model has special constraints")
        return
    session.record["instance_path"] = path
    session.record["instance_format"] = "mps"


def _instance(model: Any, variables: list[Any]) -> LinearInstance:
    """The original problem as arrays (only 'linear' constraints), for names SCIP's writer would mangle."""
    index = {v.getIndex(): j for j, v in enumerate(variables)}
    row_lower: list[float] = []
    row_upper: list[float] = []
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    row_names: list[str] = []
    for i, cons in enumerate(_Base.getConss(model, False)):
        lhs, rhs = _Base.getLhs(model, cons), _Base.getRhs(model, cons)
        row_lower.append(-math.inf if lhs <= -_INFINITY else lhs)
        row_upper.append(math.inf if rhs >= _INFINITY else rhs)
        row_names.append(cons.name)
        for var, val in zip(_Base.getConsVars(model, cons), _Base.getConsVals(model, cons), strict=True):
            rows.append(i)
            cols.append(index[var.getIndex()])
            vals.append(float(val))
    lower = [v.getLbOriginal() for v in variables]
    upper = [v.getUbOriginal() for v in variables]
    return LinearInstance(
        col_names=[v.name for v in variables],
        col_cost=[v.getObj() for v in variables],
        col_lower=[-math.inf if b <= -_INFINITY else b for b in lower],
        col_upper=[math.inf if b >= _INFINITY else b for b in upper],
        col_integer=[v.vtype() != "CONTINUOUS" for v in variables],
        row_lower=row_lower,
        row_upper=row_upper,
        a_rows=rows,
        a_cols=cols,
        a_vals=vals,
        row_names=row_names,
        maximize=_Base.getObjectiveSense(model) == "maximize",
        offset=float(_Base.getObjoffset(model)),
    )


def _finish(session: CaptureSession, model: Any, before: dict[str, Any], exc: BaseException | None) -> None:
    record = session.record
    record["solver"] = "scip"
    record["solver_version"] = str(_Base.version(model))
    info = before or session.guard(lambda: _classify(model), "model read") or {}
    if info:
        record["stats"] = info["stats"]
    maximize = _Base.getObjectiveSense(model) == "maximize"
    record["sense"] = "maximize" if maximize else "minimize"
    if info and info["stats"]["objective"] == "none":
        record["sense"] = "feasibility"
    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
        record["termination"] = "solver_error"
        record["raw_status"] = type(exc).__name__
        return
    raw = str(_Base.getStatus(model))
    record["raw_status"] = raw
    has_solution = _Base.getNSols(model) > 0
    mapped = STATUS_MAP.get(raw, "unknown")
    record["termination"] = limit_termination(has_solution) if mapped == "limit" else mapped
    if record["termination"] not in SOLUTION_TERMINATIONS or not has_solution:
        return
    solution = _Base.getBestSol(model)
    variables = _Base.getVars(model, False)
    values = [float(_Base.getSolVal(model, solution, v)) + 0.0 for v in variables]
    names = _display_names([v.name for v in variables])
    record["variable_values"] = dict(zip(names, values, strict=True))
    record["objective_value"] = finite(_Base.getObjVal(model))
    stats = record["stats"]
    if stats["integer"] + stats["binary"]:
        record["objective_bound"] = finite(_Base.getDualbound(model))
        record["mip_gap"] = gap(record["objective_value"], record["objective_bound"])
    elif record["termination"] == "optimal":
        record["objective_bound"] = finite(_Base.getDualbound(model))
    columns = before.get("columns")
    if columns is not None and len(columns) == len(values):
        session.instance_values = dict(zip(columns, values, strict=True))


def _display_names(names: list[str]) -> list[str]:
    """User names, with ``#k`` added to repeats so no value is lost (SCIP allows duplicate names)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}#{count}")
    return out

"""Capture of CVXPY solves, steering away from solvers that would give a wrong or loose answer.

``Problem.solve`` is wrapped (however it is called: ``prob.solve()``, ``prob.solve(solver=...)``,
``prob.solve(cp.HIGHS)``). Before the solve the wrapper decides which solver runs:

* OSQP (asked for, or CVXPY's default for a QP) is a first-order method whose answers are only accurate to about
  1e-3 and which cannot take integers: continuous problems run on CLARABEL, mixed-integer ones on HiGHS (linear)
  or SCIP (otherwise);
* a solver that is not installed (GUROBI, CPLEX, MOSEK, ...) gets the same open-source substitutes, HiGHS for a
  continuous LP; solver-specific keyword arguments it cannot understand are dropped (time limits and MIP gaps are
  translated).

A solver that does not take integers is never handed a mixed-integer problem: CVXPY itself refuses that.

CVXPY has no LP writer, so the instance is rebuilt from ``prob.get_problem_data(cp.HIGHS)`` (the documented way to
see the data a solver receives) and written as MPS through HiGHS, columns named ``x[i]`` / ``X[i,j]`` after the
user's variables. The problem's compilation cache is set aside during this and restored afterwards, so the export
does not change what the program's next solve does.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import cvxpy as cp
import numpy as np
from cvxpy.expressions.leaf import Leaf

from solvers.capture import SOLUTION_TERMINATIONS, CaptureSession, describe, finite, limit_termination
from solvers.capture.highspy import LinearInstance, write_instance

if TYPE_CHECKING:
    from solvers.capture.recorder import Recorder

__all__ = ["STATUS_MAP", "install"]

DIALECT = "cvxpy"

STATUS_MAP: dict[str, str] = {
    "optimal": "optimal",
    "optimal_inaccurate": "feasible",
    "infeasible": "infeasible",
    "infeasible_inaccurate": "infeasible",
    "unbounded": "unbounded",
    "unbounded_inaccurate": "unbounded",
    "infeasible_or_unbounded": "infeasible_or_unbounded",
    "user_limit": "limit",
    "solver_error": "solver_error",
}
"""CVXPY problem status -> our termination. ``optimal_inaccurate`` is a solution the solver could not certify to
its tolerances, so it is reported as ``feasible`` (a solution, not a proven optimum), with a note."""

_PACKAGES = {
    "CLARABEL": "clarabel",
    "HIGHS": "highspy",
    "SCIP": "PySCIPOpt",
    "OSQP": "osqp",
    "SCS": "scs",
    "SCIPY": "scipy",
    "GLOP": "ortools",
    "PDLP": "ortools",
    "ECOS": "ecos",
}

# Keyword arguments of Problem.solve itself; everything else goes to the solver.
_GENERIC_KWARGS = frozenset(
    {
        "warm_start",
        "verbose",
        "bibtex",
        "gp",
        "qcp",
        "requires_grad",
        "enforce_dpp",
        "ignore_dpp",
        "canon_backend",
        "nlp",
        "solver_verbose",
        "low",
        "high",
        "eps",
        "max_iters",
    }
)
_TIME_KWARGS = frozenset({"timelimit", "time_limit", "tilim", "max_time", "seconds"})
_GAP_KWARGS = frozenset({"mipgap", "mip_rel_gap", "mip_gap", "relgap"})


def install(recorder: Recorder) -> None:
    """Wrap ``cvxpy.Problem.solve`` so every solve reports to ``recorder``."""
    original: Callable[..., Any] = cp.Problem.solve
    if getattr(original, "__optagent_wrapped__", False):
        return
    installed = frozenset(_cp.installed_solvers())

    @functools.wraps(original)
    def solve(self: Any, *args: Any, **kwargs: Any) -> Any:
        with recorder.outer_call() as outer:
            if not outer:
                return original(self, *args, **kwargs)
            session = CaptureSession(recorder, DIALECT)
            plan = session.guard(lambda: _plan(self, args, kwargs, installed), "solver choice")
            call_args, call_kwargs, requested, notes = plan if plan is not None else (args, kwargs, "", [])
            for text in notes:
                session.note(text)
            return session.execute(
                lambda: original(self, *call_args, **call_kwargs),
                lambda _value, exc: _finish(session, self, requested, exc),
            )

    solve.__optagent_wrapped__ = True  # type: ignore[attr-defined]
    cp.Problem.solve = solve  # type: ignore[method-assign]


_cp: Any = cp
_get_problem_data: Callable[..., Any] = cp.Problem.get_problem_data
# Read accessors taken at install time: a program that patches them later cannot change what is recorded.
_status: Callable[[Any], Any] = cp.Problem.status.fget  # type: ignore[attr-defined]
_value: Callable[[Any], Any] = cp.Problem.value.fget  # type: ignore[attr-defined]
_solver_stats: Callable[[Any], Any] = cp.Problem.solver_stats.fget  # type: ignore[attr-defined]
_leaf_value: Callable[[Any], Any] = Leaf.value.fget  # type: ignore[attr-defined]


# -- solver choice ---------------------------------------------------------------------------------------------


def _solver_name(solver: Any) -> str | None:
    if solver is None:
        return None
    if isinstance(solver, str):
        return solver.upper()
    name = getattr(solver, "name", None)
    return str(name()).upper() if callable(name) else None


def _default_solver(prob: Any, kwargs: dict[str, Any]) -> str | None:
    chain = prob._construct_chain(  # noqa: SLF001 - the same call solve() makes to pick its default
        solver=None, gp=bool(kwargs.get("gp", False)), ignore_dpp=bool(kwargs.get("ignore_dpp", False))
    )
    return _solver_name(chain.solver)


_Plan = tuple[tuple[Any, ...], dict[str, Any], str, list[str]]


def _plan(prob: Any, args: tuple[Any, ...], kwargs: dict[str, Any], installed: frozenset[str]) -> _Plan:
    """``(args, kwargs, requested, notes)`` for the real call: the program's own, or with a substitute solver."""
    if kwargs.get("method") is not None or kwargs.get("solver_path") or kwargs.get("qcp") or kwargs.get("gp"):
        return args, kwargs, "", []
    if len(args) > 1:
        return args, kwargs, "", []  # solve(solver, warm_start, ...) positionally: left exactly as written
    positional = bool(args)
    solver = args[0] if positional else kwargs.get("solver")
    requested = _solver_name(solver)
    if solver is not None and requested is None:
        return args, kwargs, "", []  # a custom Solver object: the program's business
    mixed_integer = bool(prob.is_mixed_integer())
    reason = ""
    if requested is None:
        if _default_solver(prob, kwargs) != "OSQP":
            return args, kwargs, "", []
        reason = "CVXPY's default here is OSQP, a first-order method accurate only to about 1e-3"
    elif requested == "OSQP":
        reason = "OSQP is a first-order method accurate only to about 1e-3 and cannot take integer variables"
    elif requested not in installed:
        reason = "not installed here; open-source substitute"
    else:
        return args, kwargs, "", []
    if mixed_integer:
        target = "HIGHS" if prob.is_lp() else "SCIP"  # is_lp(): linear after CVXPY's own reformulation
    else:
        target = "HIGHS" if prob.is_lp() and requested not in (None, "OSQP") else "CLARABEL"
    solver_kwargs = {k: v for k, v in kwargs.items() if k not in _GENERIC_KWARGS and k != "solver"}
    new_kwargs = {k: v for k, v in kwargs.items() if k in _GENERIC_KWARGS}
    translated, dropped = _translate(solver_kwargs, target)
    new_kwargs.update(translated)
    new_kwargs["solver"] = target
    new_args = args[1:] if positional else args
    notes = [f"requested {requested or 'the default solver'}; ran {target} ({reason})"]
    if dropped:
        notes.append(f"ignored solver options not understood by {target}: {', '.join(sorted(dropped))}")
    return new_args, new_kwargs, requested or "OSQP", notes


def _translate(options: dict[str, Any], target: str) -> tuple[dict[str, Any], set[str]]:
    """Carry the time limit and MIP gap over to ``target``'s own keyword arguments; drop the rest."""
    out: dict[str, Any] = {}
    dropped: set[str] = set()
    flat: dict[str, Any] = {}
    for key, val in options.items():
        if isinstance(val, dict) and key.endswith("_params"):
            flat.update(val)
            dropped.add(key)
        else:
            flat[key] = val
    for key, val in flat.items():
        low = str(key).lower().replace(".", "_").split("/")[-1]
        if low in _TIME_KWARGS or low.endswith("timelimit"):
            if target == "SCIP":
                out.setdefault("scip_params", {})["limits/time"] = float(val)
            else:
                out["time_limit"] = float(val)
            dropped.discard(key)
        elif low in _GAP_KWARGS or low.endswith("mipgap"):
            if target == "SCIP":
                out.setdefault("scip_params", {})["limits/gap"] = float(val)
            elif target == "HIGHS":
                out["mip_rel_gap"] = float(val)
            dropped.discard(key)
        elif key in options:
            dropped.add(str(key))
    return out, dropped


# -- reading the outcome ---------------------------------------------------------------------------------------


def _constraint_kind(con: Any) -> str:
    """``linear``, ``quadratic`` or ``nonlinear`` (cones and convex atoms) for one CVXPY constraint."""
    if all(arg.is_affine() for arg in con.args) and type(con).__name__ in (
        "Equality",
        "Inequality",
        "Zero",
        "NonPos",
        "NonNeg",
    ):
        return "linear"
    expr = getattr(con, "expr", None)
    if type(con).__name__ in ("Inequality", "NonPos", "NonNeg") and expr is not None and expr.is_quadratic():
        return "quadratic"
    return "nonlinear"


def _index_names(name: str, shape: tuple[int, ...]) -> list[str]:
    """Element names in CVXPY's column-major order: ``x``, ``x[i]``, ``x[i,j]``."""
    size = int(np.prod(shape)) if shape else 1
    if not shape:
        return [name]
    out = []
    for flat in range(size):
        index = np.unravel_index(flat, shape, order="F")
        out.append(f"{name}[{','.join(str(int(i)) for i in index)}]")
    return out


def _flat_value(var: Any) -> np.ndarray | None:
    value = _leaf_value(var)
    if value is None:
        return None
    if hasattr(value, "toarray"):
        value = value.toarray()
    return np.asarray(value, dtype=float).reshape(-1, order="F")


def _count(idx: Any) -> int:
    if idx is None or len(idx) == 0:
        return 0
    first = idx[0]
    return int(np.size(first)) if not isinstance(first, tuple) else len(idx)


def _stats(prob: Any) -> dict[str, Any]:
    variables = prob.variables()
    total = sum(int(v.size) for v in variables)
    binary = sum(_count(v.boolean_idx) for v in variables)
    integer = sum(_count(v.integer_idx) for v in variables)
    counts = {"linear": 0, "quadratic": 0, "nonlinear": 0}
    for con in prob.constraints:
        counts[_constraint_kind(con)] += int(con.size)
    expr = prob.objective.expr
    if expr.is_constant():
        objective = "none"
    elif expr.is_affine():
        objective = "linear"
    elif expr.is_quadratic():
        objective = "quadratic"
    else:
        objective = "nonlinear"
    return {
        "variables": total,
        "continuous": total - binary - integer,
        "integer": integer,
        "binary": binary,
        "constraints": sum(counts.values()),
        "nonzeros": 0,
        "linear_constraints": counts["linear"],
        "quadratic_constraints": counts["quadratic"],
        "nonlinear_constraints": counts["nonlinear"],
        "objective": objective,
    }


def _version(solver: str) -> str:
    package = _PACKAGES.get(solver.upper())
    if package is None:
        return ""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _user_names(prob: Any) -> list[tuple[Any, list[str]]]:
    """Each user variable with its element names; a name used by two variables gets ``#k`` on the later one."""
    seen: dict[str, int] = {}
    out = []
    for var in prob.variables():
        base = var.name()
        count = seen.get(base, 0)
        seen[base] = count + 1
        name = base if count == 0 else f"{base}#{count}"
        out.append((var, _index_names(name, tuple(var.shape))))
    return out


def _finish(session: CaptureSession, prob: Any, requested: str, exc: BaseException | None) -> None:
    record = session.record
    record["requested_solver"] = requested
    stats = _stats(prob)
    record["stats"] = stats
    maximize = type(prob.objective).__name__ == "Maximize"
    record["sense"] = "feasibility" if stats["objective"] == "none" else ("maximize" if maximize else "minimize")
    solver_stats = None
    if exc is None:
        solver_stats = _solver_stats(prob)
    if solver_stats is not None and solver_stats.solver_name:
        record["solver"] = str(solver_stats.solver_name).lower()
        record["solver_version"] = _version(str(solver_stats.solver_name))
    elif requested:
        record["solver"] = requested.lower()
    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
        record["termination"] = "solver_error"
        record["raw_status"] = type(exc).__name__
        return
    raw_status = _status(prob)
    status = str(raw_status) if raw_status is not None else ""
    record["raw_status"] = status
    mapped = STATUS_MAP.get(status, "unknown")
    value = finite(_value(prob))
    names = _user_names(prob)
    has_values = all(_flat_value(var) is not None for var, _ in names)
    if mapped == "limit":
        mapped = limit_termination(value is not None and has_values)
    record["termination"] = mapped
    if status.endswith("_inaccurate"):
        session.note(f"the solver reports reduced accuracy ({status}); the answer is not certified optimal")
    values: dict[str, float] = {}
    if mapped in SOLUTION_TERMINATIONS:
        for var, element_names in names:
            flat = _flat_value(var)
            if flat is None:
                continue
            values.update(zip(element_names, (float(v) + 0.0 for v in flat), strict=True))
        record["variable_values"] = values
        record["objective_value"] = value if stats["objective"] != "none" else (value if value is not None else 0.0)
        _bound(record, solver_stats, maximize, stats)
    if session.recorder.export_instances:
        session.attempt(lambda: _export(session, prob, names, values, stats), "instance export")


def _bound(record: dict[str, Any], solver_stats: Any, maximize: bool, stats: dict[str, Any]) -> None:
    """Dual bound and gap, mapped from the solver's space (minimised, without the constant) to the user's."""
    value = record["objective_value"]
    if value is None:
        return
    mip = stats["integer"] + stats["binary"] > 0
    if not mip:
        if record["termination"] == "optimal":
            record["objective_bound"] = value
        return
    extra = solver_stats.extra_stats if solver_stats is not None else None
    primal = dual = None
    if extra is not None and hasattr(extra, "mip_dual_bound"):
        primal, dual = finite(extra.objective_function_value), finite(extra.mip_dual_bound)
        record["mip_gap"] = finite(extra.mip_gap)
    elif isinstance(extra, dict) and extra.get("model") is not None:
        model = extra["model"]
        primal, dual = finite(model.getPrimalbound()), finite(model.getDualbound())
        record["mip_gap"] = finite(model.getGap())
    if primal is not None and dual is not None:
        sign = -1.0 if maximize else 1.0
        record["objective_bound"] = value + sign * (dual - primal)


# -- export ----------------------------------------------------------------------------------------------------


def _problem_data(prob: Any) -> tuple[Any, Any, Any]:
    """``get_problem_data(HIGHS)`` with the problem's compilation cache set aside and restored."""
    keys = ("_cache", "_solver_cache", "solver_context", "_compilation_time")
    saved = {key: prob.__dict__[key] for key in keys if key in prob.__dict__}
    try:
        prob._cache = type(saved["_cache"])() if "_cache" in saved else prob._cache  # noqa: SLF001
        return _get_problem_data(prob, "HIGHS", ignore_dpp=True)  # type: ignore[no-any-return]
    finally:
        for key, value in saved.items():
            prob.__dict__[key] = value


def _export(
    session: CaptureSession,
    prob: Any,
    names: list[tuple[Any, list[str]]],
    values: dict[str, float],
    stats: dict[str, Any],
) -> None:
    # is_qp() covers LPs and piecewise-linear atoms (abs, max, ...) that CVXPY reformulates into an LP.
    if not prob.is_qp():
        return
    if stats["integer"] + stats["binary"] and not prob.is_lp():
        session.note("no instance exported: CVXPY cannot hand a mixed-integer QP to HiGHS to write it")
        return
    data, chain, inverse = _problem_data(prob)
    param_prob = data["param_prob"]
    var_to_col = dict(param_prob.var_id_to_col)
    n = int(param_prob.x.shape[0]) if hasattr(param_prob, "x") else None
    cost = np.asarray(data["c"] if "c" in data else data["q"], dtype=float).reshape(-1)
    n = cost.size if n is None else n
    col_names: list[str | None] = [None] * n
    col_values: dict[int, float] = {}
    for var, element_names in names:
        start = var_to_col.get(var.id)
        if start is None:
            session.note(f"no instance exported: variable {var.name()} is reformulated by CVXPY and cannot be mapped")
            return
        for k, element in enumerate(element_names):
            col_names[start + k] = element
            if element in values:
                col_values[start + k] = values[element]
    aux = 0
    for var in param_prob.variables:
        if var.id in {v.id for v, _ in names}:
            continue
        start = var_to_col[var.id]
        for k in range(int(var.size)):
            col_names[start + k] = f"_aux{aux}[{k}]"
        aux += 1
    if aux:
        session.note(f"the exported instance has {aux} auxiliary CVXPY variable(s) without reported values")
    if "c" in data:
        matrix = data["A"].tocoo()
        b = np.asarray(data["b"], dtype=float).reshape(-1)
        n_eq = int(data["dims"].zero)
        if data["dims"].soc or data["dims"].exp or data["dims"].psd:
            return
        row_lower = np.concatenate([b[:n_eq], np.full(b.size - n_eq, -np.inf)])
        row_upper = b
        a_rows, a_cols, a_vals = matrix.row, matrix.col, matrix.data
    else:
        eq = data["A"].tocoo()
        ineq = data["F"].tocoo()
        b = np.asarray(data["b"], dtype=float).reshape(-1)
        g = np.asarray(data["G"], dtype=float).reshape(-1)
        row_lower = np.concatenate([b, np.full(g.size, -np.inf)])
        row_upper = np.concatenate([b, g])
        a_rows = np.concatenate([eq.row, ineq.row + eq.shape[0]])
        a_cols = np.concatenate([eq.col, ineq.col])
        a_vals = np.concatenate([eq.data, ineq.data])
    q_rows: Any = ()
    q_cols: Any = ()
    q_vals: Any = ()
    if data.get("P") is not None and data["P"].nnz:
        p = data["P"].tocoo()
        keep = p.row >= p.col  # products x_i x_j from the lower triangle of the symmetric 1/2 x'Px
        q_rows, q_cols = p.row[keep], p.col[keep]
        q_vals = np.where(q_rows == q_cols, 0.5, 1.0) * p.data[keep]
    solver_inverse = inverse[-1]
    inner = getattr(solver_inverse, "inverse_data", solver_inverse)
    offset = float(np.asarray(inner["offset"]).reshape(-1)[0]) if "offset" in inner else 0.0
    flipped = any(type(r).__name__ == "FlipObjective" for r in chain.reductions)
    sign = -1.0 if flipped else 1.0
    lower = data.get("lower_bounds")
    upper = data.get("upper_bounds")
    col_lower = np.full(n, -np.inf) if lower is None else np.asarray(lower, dtype=float).copy()
    col_upper = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float).copy()
    integer = np.zeros(n, dtype=bool)
    booleans = [int(i) for i in data.get("bool_vars_idx", [])]
    for i in booleans:
        integer[i] = True
        col_lower[i] = max(col_lower[i], 0.0)
        col_upper[i] = min(col_upper[i], 1.0)
    for i in data.get("int_vars_idx", []):
        integer[int(i)] = True
    inst = LinearInstance(
        col_names=col_names,
        col_cost=sign * cost,
        col_lower=col_lower,
        col_upper=col_upper,
        col_integer=integer,
        row_lower=row_lower,
        row_upper=row_upper,
        a_rows=a_rows,
        a_cols=a_cols,
        a_vals=a_vals,
        maximize=flipped,
        offset=sign * offset,
        q_rows=q_rows,
        q_cols=q_cols,
        q_vals=sign * np.asarray(q_vals, dtype=float),
    )
    session.record["stats"]["nonzeros"] = int(np.count_nonzero(a_vals))
    path = session.recorder.instance_path("mps")
    keys = write_instance(path, inst)
    session.record["instance_path"] = path
    session.record["instance_format"] = "mps"
    if col_values:
        session.instance_values = {keys[j]: v for j, v in col_values.items()}

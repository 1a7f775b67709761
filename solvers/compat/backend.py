"""The two solve back ends of the compat layer: HiGHS (in bulk, through ``passModel``) and SCIP.

Each takes a :class:`~solvers.compat.lowering.Lowered` problem and the model's parameters (lower-case names) and
returns a :class:`RawResult` in our own vocabulary; neither prints anything (the fronts print their own short log).
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from solvers.capture import finite, gap, limit_termination
from solvers.capture.highspy import LinearInstance, build_highs_model
from solvers.compat.lowering import INF, Lowered

__all__ = [
    "RawResult",
    "lowered_instance",
    "new_highs",
    "quadratic_row_scale",
    "solve_highs",
    "solve_scip",
    "swallow_highs_banner",
]

_HIGHS_STATUS = {
    "kOptimal": "optimal",
    "kModelEmpty": "optimal",
    "kInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kUnboundedOrInfeasible": "infeasible_or_unbounded",
    "kTimeLimit": "limit",
    "kIterationLimit": "limit",
    "kSolutionLimit": "limit",
    "kObjectiveBound": "limit",
    "kObjectiveTarget": "limit",
    "kInterrupt": "limit",
    "kHighsInterrupt": "limit",
    "kMemoryLimit": "limit",
}
_SCIP_STATUS = {
    "optimal": "optimal",
    "infeasible": "infeasible",
    "unbounded": "unbounded",
    "inforunbd": "infeasible_or_unbounded",
    "gaplimit": "optimal",  # the gap tolerance the model asked for (Gurobi and COPT call this optimal too)
}
_FEASIBLE_SOLUTION = 2


@dataclass
class RawResult:
    """What a back end reports, per lowered column and row."""

    termination: str = "unknown"
    raw_status: str = ""
    limit: str = ""
    """For a limit stop: ``time``, ``nodes``, ``solutions``, ``iterations`` or ``interrupt``."""
    solver: str = ""
    version: str = ""
    col_values: list[float] | None = None
    objective: float | None = None
    bound: float | None = None
    mip_gap: float | None = None
    row_duals: list[float] | None = None
    row_activity: list[float] | None = None
    col_duals: list[float] | None = None
    runtime: float = 0.0
    iterations: int = 0
    nodes: int = 0
    notes: list[str] = field(default_factory=list)


def lowered_instance(low: Lowered) -> LinearInstance:
    """The lowered problem (linear rows, optional quadratic objective) as a :class:`LinearInstance`."""
    a_rows: list[int] = []
    a_cols: list[int] = []
    a_vals: list[float] = []
    for i, (cols, vals, _lo, _hi, _name) in enumerate(low.rows):
        a_rows.extend([i] * len(cols))
        a_cols.extend(cols)
        a_vals.extend(vals)
    q_rows = [i for i, _ in low.qobj]
    q_cols = [j for _, j in low.qobj]
    return LinearInstance(
        col_names=list(low.names),
        col_cost=list(low.cost),
        col_lower=list(low.lb),
        col_upper=list(low.ub),
        col_integer=list(low.integer),
        row_lower=[r[2] for r in low.rows],
        row_upper=[r[3] for r in low.rows],
        a_rows=a_rows,
        a_cols=a_cols,
        a_vals=a_vals,
        row_names=[r[4] for r in low.rows],
        maximize=low.maximize,
        offset=low.offset,
        q_rows=q_rows,
        q_cols=q_cols,
        q_vals=list(low.qobj.values()),
    )


# -- HiGHS --------------------------------------------------------------------------------------------------------

_banner_swallowed = False


def swallow_highs_banner() -> None:
    """Build this process's first ``highspy.Highs`` with file descriptor 1 on a pipe, once.

    HiGHS's constructor prints its banner ("Running HiGHS ...", "Includes third-party software ...") to stdout,
    before any option can be set, the first time in a process. Each sandboxed run is a fresh fork, so without this
    every compat run's output starts with HiGHS's banner, which a gurobipy/coptpy program never prints: through our
    own solves, and through the MPS writer (``model.write``, the capture's instance export), which builds a
    ``Highs`` of its own. A pipe (not ``/dev/null``, which the sandbox's audit hook may refuse to open) takes the
    banner; it is far below a pipe's capacity, so nothing blocks, and closing the pipe discards it.
    """
    global _banner_swallowed
    if _banner_swallowed:
        return
    _banner_swallowed = True
    import highspy

    make: Any = highspy.Highs  # highspy's constructor is untyped
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        read_end, write_end = os.pipe()
    except (OSError, ValueError):
        return
    try:
        os.dup2(write_end, 1)
        make()
    finally:
        os.dup2(saved, 1)
        for fd in (saved, write_end, read_end):
            os.close(fd)


def new_highs() -> Any:
    """A ``highspy.Highs`` with its output off and without the banner (:func:`swallow_highs_banner`)."""
    import highspy

    swallow_highs_banner()
    make: Any = highspy.Highs  # highspy's constructor is untyped
    highs = make()
    highs.setOptionValue("output_flag", False)
    return highs


def highs_model(inst: LinearInstance, *, relax: bool = False) -> Any:
    """A ``highspy.HighsModel`` built from arrays in one go (no per-element calls), the exporter's own builder."""
    model, _names = build_highs_model(inst, relax=relax, with_names=False)
    return model


def _highs_options(highs: Any, params: dict[str, Any], is_mip: bool) -> list[str]:
    notes: list[str] = []
    highs.setOptionValue("output_flag", False)
    if "timelimit" in params and math.isfinite(float(params["timelimit"])):
        highs.setOptionValue("time_limit", max(0.0, float(params["timelimit"])))
    highs.setOptionValue("mip_rel_gap", float(params.get("mipgap", 1e-6)))
    if "mipgapabs" in params:
        highs.setOptionValue("mip_abs_gap", float(params["mipgapabs"]))
    if "seed" in params:
        highs.setOptionValue("random_seed", int(params["seed"]) % 2147483647)
    if "presolve" in params and int(params["presolve"]) == 0:
        highs.setOptionValue("presolve", "off")
    if "nodelimit" in params and math.isfinite(float(params["nodelimit"])):
        highs.setOptionValue("mip_max_nodes", int(params["nodelimit"]))
    if "solutionlimit" in params:
        highs.setOptionValue("mip_max_improving_sols", int(params["solutionlimit"]))
    if "feasibilitytol" in params:
        highs.setOptionValue("primal_feasibility_tolerance", float(params["feasibilitytol"]))
    if "intfeastol" in params:
        highs.setOptionValue("mip_feasibility_tolerance", float(params["intfeastol"]))
    if "optimalitytol" in params:
        highs.setOptionValue("dual_feasibility_tolerance", float(params["optimalitytol"]))
    method = params.get("method")
    if method is not None and not is_mip:
        choice = {0: "simplex", 1: "simplex", 2: "ipm"}.get(int(method))
        if choice:
            highs.setOptionValue("solver", choice)
    return notes


def solve_highs(low: Lowered, params: dict[str, Any]) -> RawResult:
    """Solve an LP, MILP or convex continuous QP with HiGHS."""
    import highspy

    inst = lowered_instance(low)
    highs = new_highs()
    is_mip = low.has_integer
    notes = _highs_options(highs, params, is_mip)
    out = RawResult(solver="highs", version=str(highs.version()), notes=notes)
    if highs.passModel(highs_model(inst)) == highspy.HighsStatus.kError:
        out.termination = "solver_error"
        out.raw_status = "kModelError"
        return out
    start = time.perf_counter()
    highs.run()
    out.runtime = time.perf_counter() - start
    status = highs.getModelStatus()
    name = status.name
    info = highs.getInfo()
    has_solution = bool(info.valid) and int(info.primal_solution_status) == _FEASIBLE_SOLUTION
    mapped = _HIGHS_STATUS.get(name, "unknown")
    if mapped == "unknown" and name.endswith("Error"):
        mapped = "solver_error"
    if mapped == "infeasible_or_unbounded" and not is_mip and params.get("presolve", 1) != 0:
        # Presolve only proved "no optimum": without it the simplex method says which of the two it is.
        highs.setOptionValue("presolve", "off")
        highs.run()
        status = highs.getModelStatus()
        name = status.name
        info = highs.getInfo()
        has_solution = bool(info.valid) and int(info.primal_solution_status) == _FEASIBLE_SOLUTION
        mapped = _HIGHS_STATUS.get(name, "unknown")
    out.raw_status = name
    if mapped == "limit":
        out.limit = {"kTimeLimit": "time", "kIterationLimit": "iterations", "kSolutionLimit": "solutions"}.get(
            name, "interrupt"
        )
        if name == "kSolutionLimit" and is_mip and "nodelimit" in params:
            out.limit = "nodes"
    out.termination = limit_termination(has_solution) if mapped == "limit" else mapped
    out.iterations = int(info.simplex_iteration_count) + max(0, int(info.ipm_iteration_count))
    out.nodes = int(info.mip_node_count) if is_mip else 0
    solution = highs.getSolution()
    if has_solution and solution.value_valid:
        out.col_values = [float(v) for v in solution.col_value]
        out.row_activity = [float(v) for v in solution.row_value]
        out.objective = finite(info.objective_function_value)
    if is_mip:
        out.bound = finite(info.mip_dual_bound)
        if out.objective is not None:
            out.mip_gap = gap(out.objective, out.bound)
    elif out.termination == "optimal":
        out.bound = out.objective
        out.mip_gap = 0.0
        if solution.dual_valid:
            out.row_duals = [float(v) for v in solution.row_dual]
            out.col_duals = [float(v) for v in solution.col_dual]
    return out


def highs_iis(low: Lowered) -> tuple[set[int], dict[int, str]] | None:
    """Rows and column bounds of an irreducible infeasible subset of the (relaxed) linear rows, or None."""
    import highspy

    highs = new_highs()
    highs.passModel(highs_model(lowered_instance(low), relax=True))
    highs.setOptionValue("iis_strategy", 4)
    status, iis = highs.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return None
    rows = {int(i) for i in iis.row_index_}
    cols: dict[int, str] = {}
    for j, code in zip(list(iis.col_index_), list(iis.col_bound_), strict=False):
        side = {2: "lower", 3: "upper", 4: "both"}.get(int(code))
        if side is not None:
            cols[int(j)] = side
    return rows, cols


# -- SCIP ---------------------------------------------------------------------------------------------------------


def _scip_params(model: Any, params: dict[str, Any]) -> None:
    if "timelimit" in params and math.isfinite(float(params["timelimit"])):
        model.setParam("limits/time", max(0.0, float(params["timelimit"])))
    model.setParam("limits/gap", float(params.get("mipgap", 1e-6)))
    if "mipgapabs" in params:
        model.setParam("limits/absgap", float(params["mipgapabs"]))
    if "seed" in params:
        model.setParam("randomization/randomseedshift", int(params["seed"]) % 2147483647)
    if "presolve" in params and int(params["presolve"]) == 0:
        model.setParam("presolving/maxrounds", 0)
    if "nodelimit" in params and math.isfinite(float(params["nodelimit"])):
        model.setParam("limits/nodes", int(params["nodelimit"]))
    if "solutionlimit" in params:
        model.setParam("limits/solutions", int(params["solutionlimit"]))
    if "feasibilitytol" in params:
        model.setParam("numerics/feastol", float(params["feasibilitytol"]))
    threads = params.get("threads")
    if threads:
        model.setParam("parallel/maxnthreads", max(1, min(int(threads), os.cpu_count() or 1)))


def solve_scip(low: Lowered, params: dict[str, Any]) -> RawResult:
    """Solve anything the lowered problem can hold with SCIP (quadratic rows, indicators, SOS, nonconvex)."""
    import pyscipopt

    model = pyscipopt.scip.Model()
    model.hideOutput()
    _scip_params(model, params)
    out = RawResult(solver="scip", version=str(model.version()))
    variables = []
    for j in range(len(low.names)):
        vtype = "C"
        if low.integer[j]:
            vtype = "B" if low.lb[j] >= 0 and low.ub[j] <= 1 else "I"
        lb = None if low.lb[j] == -INF else low.lb[j]
        ub = None if low.ub[j] == INF else low.ub[j]
        variables.append(model.addVar(name=f"x{j}", vtype=vtype, lb=lb, ub=ub))
    quicksum = pyscipopt.quicksum
    for i, (cols, vals, lo, hi, _name) in enumerate(low.rows):
        expr = quicksum(c * variables[j] for j, c in zip(cols, vals, strict=True))
        _add_range(model, expr, lo, hi, f"r{i}")
    for i, (lin, quad, lo, hi, _name) in enumerate(low.qrows):
        scale = quadratic_row_scale(lin, quad, lo, hi)
        expr = quicksum(scale * c * variables[j] for j, c in lin.items()) + quicksum(
            scale * c * variables[a] * variables[b] for (a, b), c in quad.items()
        )
        _add_range(model, expr, lo * scale, hi * scale, f"q{i}")
    for i, (binvar, active, terms, rhs, _name) in enumerate(low.indicators):
        cons = quicksum(c * variables[j] for j, c in terms.items()) <= rhs
        model.addConsIndicator(cons, variables[binvar], activeone=active, name=f"ind{i}")
    for i, (kind, cols, weights) in enumerate(low.sos):
        add = model.addConsSOS1 if kind == 1 else model.addConsSOS2
        add([variables[j] for j in cols], weights=weights, name=f"sos{i}")
    objective = quicksum(c * variables[j] for j, c in enumerate(low.cost) if c)
    if low.qobj:
        # SCIP's objective is linear: minimise t subject to t >= f(x) (t <= f(x) when maximising).
        t = model.addVar(name="objective_epigraph", lb=None, ub=None)
        quad = objective + quicksum(c * variables[a] * variables[b] for (a, b), c in low.qobj.items())
        if low.maximize:
            model.addCons(t - quad <= 0, name="objective_epigraph")
        else:
            model.addCons(quad - t <= 0, name="objective_epigraph")
        objective = t
    model.setObjective(objective + low.offset, "maximize" if low.maximize else "minimize")
    start = time.perf_counter()
    model.optimize()
    out.runtime = time.perf_counter() - start
    raw = str(model.getStatus())
    out.raw_status = raw
    has_solution = model.getNSols() > 0
    mapped = _SCIP_STATUS.get(raw, "limit" if raw != "unknown" else "unknown")
    if mapped == "limit":
        out.limit = {"timelimit": "time", "nodelimit": "nodes", "totalnodelimit": "nodes", "sollimit": "solutions"}.get(
            raw, "interrupt"
        )
    out.termination = limit_termination(has_solution) if mapped == "limit" else mapped
    out.nodes = int(model.getNNodes())
    if has_solution and out.termination in ("optimal", "feasible"):
        sol = model.getBestSol()
        out.col_values = [float(model.getSolVal(sol, v)) for v in variables]
        out.objective = finite(model.getSolObjVal(sol))
        values = out.col_values
        out.row_activity = [sum(c * values[j] for j, c in zip(cols, vals, strict=True)) for cols, vals, *_ in low.rows]
    bound = finite(model.getDualbound())
    if low.has_integer or low.scip_only or low.qobj:
        out.bound = bound
        if out.objective is not None:
            out.mip_gap = gap(out.objective, bound)
    return out


def quadratic_row_scale(lin: dict[int, float], quad: dict[tuple[int, int], float], lo: float, hi: float) -> float:
    """The factor a quadratic row is multiplied by before SCIP sees it: ``1 / size`` for a row of size below 1.

    SCIP accepts a row when its violation is at most ``numerics/feastol`` (1e-6) relative to ``max(1, |side|)``,
    i.e. *absolutely* for rows whose numbers are all small. A portfolio risk row ``x'Sx <= 0.003`` with covariances
    around 0.005 may then be violated by 1e-6, a third of a percent of its right-hand side, and the maximised return
    comes out 4e-5 above the true optimum. Gurobi and COPT solve such convex rows with a barrier method to a relative
    precision, so the row is rescaled to size 1 (the largest coefficient or finite side): the same absolute
    tolerance then means a relative one. Rows of size 1 or more are left alone (SCIP's test is relative there);
    the factor is capped at 1e6 so that a row of stray tiny numbers does not become a badly conditioned one.
    """
    size = max(
        [abs(v) for v in (lo, hi) if math.isfinite(v)]
        + [abs(c) for c in lin.values()]
        + [abs(c) for c in quad.values()]
        + [0.0]
    )
    return 1.0 / max(size, 1e-6) if 0.0 < size < 1.0 else 1.0


def _add_range(model: Any, expr: Any, lo: float, hi: float, name: str) -> None:
    if lo == hi:
        model.addCons(expr == lo, name=name)
        return
    if lo > -INF:
        model.addCons(expr >= lo, name=f"{name}_lo" if hi < INF else name)
    if hi < INF:
        model.addCons(expr <= hi, name=name)

"""The trusted diagnosis program that :class:`agent.diagnosis.Diagnoser` runs inside the sandbox.

This module is not imported by the agent. Its source is read as text, a call to :func:`main` with the exported
instance embedded as a string literal is appended, and the whole is run by the sandbox pool like any model
program. The instance was written by untrusted code, so HiGHS parses it behind the sandbox's walls, never in the
agent's process. The module therefore imports only what every sandbox worker has (``highspy``, ``numpy`` and the
standard library) and nothing from the project.

What it reports, as JSON lines prefixed with :data:`MARKER` on stdout (the last complete line is the answer; an
earlier line is a partial answer kept in case a later, more expensive step runs out of time):

* ``status``: what a feasibility solve of the instance says (``infeasible``, ``feasible``, ``unknown``) and, for
  unbounded models, ``unbounded``.
* for an infeasible instance: ``bounds`` (variables or rows whose own bounds contradict each other), ``iis`` (an
  irreducible infeasible subset from HiGHS's IIS facility, computed on the LP or on a MIP's LP relaxation) and
  ``relaxation`` (an elastic model: every row gets nonnegative slack, the total slack is minimized, and the rows
  left with positive slack are the ones that must give way).
* for an unbounded instance: ``unbounded``, the columns along the solver's primal ray (or, without a ray, the
  columns whose objective coefficient pushes toward an infinite bound).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from typing import Any

import highspy
import numpy as np

MARKER = "OPTAGENT_DIAGNOSIS "
"""Prefix of each result line; the host ignores every other line the program (or HiGHS) prints."""

MAX_ITEMS = 25
"""At most this many rows or columns per list, so one huge instance cannot flood the repair prompt."""

MAX_TERMS = 8
"""Terms of a row shown in its expression before the rest is summarised."""

IIS_ROW_LIMIT = 5000
"""Above this many rows the IIS (many LP solves) is skipped and the single-solve relaxation is used alone."""

_INF = float(highspy.kHighsInf)
_INTEGER_TYPES = (1, 3, 4)  # HighsVarType: integer, semi-integer, implicit integer
_IIS_IRREDUCIBLE = 4  # IisStrategy.kIisStrategyIrreducible: the deletion filter, not only the cheap bound test
_IIS_LOWER, _IIS_UPPER, _IIS_BOXED = 2, 3, 4  # IisBoundStatus: which side of a row or column is in the IIS


def _emit(payload: dict[str, Any]) -> None:
    """Print one result line at once, so it survives if a later step is killed at the deadline."""
    sys.stdout.write(MARKER + json.dumps(payload, allow_nan=False, default=str) + "\n")
    sys.stdout.flush()


def _finite(value: float) -> float | None:
    """A bound as JSON: a number, or None for an infinite one."""
    return None if abs(value) >= _INF or not math.isfinite(value) else float(value)


def _new_highs(time_limit: float) -> Any:
    """A quiet HiGHS instance with a time limit."""
    make: Any = highspy.Highs  # highspy's constructor is untyped
    highs = make()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(0.5, float(time_limit)))
    return highs


class _Model:
    """The instance's LP data as numpy arrays, with the row-wise view that naming and elastic rows need."""

    def __init__(self, lp: Any) -> None:
        self.lp = lp
        self.n = int(lp.num_col_)
        self.m = int(lp.num_row_)
        self.cost = np.asarray(lp.col_cost_, dtype=float)
        self.col_lower = np.asarray(lp.col_lower_, dtype=float)
        self.col_upper = np.asarray(lp.col_upper_, dtype=float)
        self.row_lower = np.asarray(lp.row_lower_, dtype=float)
        self.row_upper = np.asarray(lp.row_upper_, dtype=float)
        self.maximize = lp.sense_ == highspy.ObjSense.kMaximize
        names = list(lp.col_names_)
        self.col_names = [str(names[j]) if j < len(names) and names[j] else f"x{j}" for j in range(self.n)]
        names = list(lp.row_names_)
        self.row_names = [str(names[i]) if i < len(names) and names[i] else f"r{i}" for i in range(self.m)]
        kinds = [int(k) for k in lp.integrality_] if len(lp.integrality_) else []
        self.integer = np.array([k in _INTEGER_TYPES for k in kinds] or [False] * self.n, dtype=bool)
        self.col_start, self.col_index, self.col_value = self._colwise(lp.a_matrix_)
        # Row-wise copy: row i's entries are row_cols[row_start[i]:row_start[i+1]].
        cols = np.repeat(np.arange(self.n), np.diff(self.col_start))
        order = np.argsort(self.col_index, kind="stable")
        self.row_cols = cols[order]
        self.row_vals = self.col_value[order]
        self.row_start = np.concatenate(([0], np.cumsum(np.bincount(self.col_index, minlength=self.m))))

    def _colwise(self, matrix: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        start = np.asarray(matrix.start_, dtype=np.int64)
        index = np.asarray(matrix.index_, dtype=np.int64)
        value = np.asarray(matrix.value_, dtype=float)
        if matrix.format_ == highspy.MatrixFormat.kColwise or self.m == 0:
            if start.size != self.n + 1:
                start = np.zeros(self.n + 1, dtype=np.int64)
            return start, index[: start[-1]], value[: start[-1]]
        rows = np.repeat(np.arange(self.m), np.diff(start))
        order = np.lexsort((rows, index))
        counts = np.bincount(index, minlength=self.n)
        return np.concatenate(([0], np.cumsum(counts))), rows[order], value[order]

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def expression(self, i: int) -> str:
        """Row ``i`` written out, e.g. ``2 chairs + 3 tables <= 100``, so the conflict can be read at a glance."""
        lo, hi = self.row_start[i], self.row_start[i + 1]
        terms = []
        for j, a in zip(self.row_cols[lo:hi][:MAX_TERMS], self.row_vals[lo:hi][:MAX_TERMS], strict=True):
            coefficient = "" if a == 1 else "-" if a == -1 else f"{a:g} "
            terms.append(f"{coefficient}{self.col_names[int(j)]}")
        body = " + ".join(terms).replace("+ -", "- ") or "0"
        if hi - lo > MAX_TERMS:
            body += f" + ... ({hi - lo} terms)"
        lower, upper = _finite(self.row_lower[i]), _finite(self.row_upper[i])
        if lower is not None and upper is not None:
            return f"{body} == {upper:g}" if lower == upper else f"{lower:g} <= {body} <= {upper:g}"
        if upper is not None:
            return f"{body} <= {upper:g}"
        if lower is not None:
            return f"{body} >= {lower:g}"
        return f"{body} (free row)"

    def row_entry(self, i: int, side: str, violation: float | None = None) -> dict[str, Any]:
        return {
            "name": self.row_names[i],
            "expression": self.expression(i),
            "side": side,
            "lower": _finite(self.row_lower[i]),
            "upper": _finite(self.row_upper[i]),
            "violation": violation,
        }

    def col_entry(self, j: int, side: str) -> dict[str, Any]:
        return {
            "name": self.col_names[j],
            "side": side,
            "lower": _finite(self.col_lower[j]),
            "upper": _finite(self.col_upper[j]),
            "integer": bool(self.integer[j]) if self.integer.size else False,
        }

    def build(self, *, cost: np.ndarray | None = None, integer: bool = True, maximize: bool = False) -> Any:
        """A fresh ``HighsLp`` of this model: objective ``cost`` (zeros for a feasibility model), no Hessian."""
        lp = highspy.HighsLp()
        lp.num_col_ = self.n
        lp.num_row_ = self.m
        lp.col_cost_ = np.zeros(self.n) if cost is None else cost
        lp.col_lower_ = self.col_lower
        lp.col_upper_ = self.col_upper
        lp.row_lower_ = self.row_lower
        lp.row_upper_ = self.row_upper
        if maximize:
            lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.col_start
        lp.a_matrix_.index_ = self.col_index
        lp.a_matrix_.value_ = self.col_value
        lp.a_matrix_.num_col_ = self.n
        lp.a_matrix_.num_row_ = self.m
        lp.col_names_ = self.col_names
        lp.row_names_ = self.row_names
        if integer and self.is_mip:
            kinds = highspy.HighsVarType
            lp.integrality_ = [kinds.kInteger if flag else kinds.kContinuous for flag in self.integer]
        return lp


def _status_name(highs: Any) -> str:
    return str(highs.modelStatusToString(highs.getModelStatus()))


def _feasibility(model: _Model, time_limit: float) -> str:
    """Solve the instance with a zero objective: ``infeasible``, ``feasible`` or ``unknown``."""
    highs = _new_highs(time_limit)
    highs.passModel(model.build())
    highs.run()
    status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible"
    if status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty):
        return "feasible"
    return "unknown"


def _bound_conflicts(model: _Model) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows and columns infeasible on their own: lower above upper, or an integer column with no integer inside."""
    columns: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for j in range(model.n):
        lo, hi = model.col_lower[j], model.col_upper[j]
        if lo > hi + 1e-9 or (
            model.integer[j]
            and math.isfinite(lo)
            and math.isfinite(hi)
            and math.ceil(lo - 1e-9) > math.floor(hi + 1e-9)
        ):
            columns.append(model.col_entry(j, "both"))
    for i in range(model.m):
        if model.row_lower[i] > model.row_upper[i] + 1e-9:
            rows.append(model.row_entry(i, "both"))
    return rows[:MAX_ITEMS], columns[:MAX_ITEMS]


def _side(code: int) -> str | None:
    return {_IIS_LOWER: "lower", _IIS_UPPER: "upper", _IIS_BOXED: "both"}.get(code)


def _iis(model: _Model, time_limit: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | str:
    """HiGHS's irreducible infeasible subset of the LP (a MIP's LP relaxation), or why there is none.

    An empty subset means the LP is feasible; for a MIP that puts the conflict in the integrality.
    """
    highs = _new_highs(time_limit)
    highs.passModel(model.build(integer=False))
    highs.setOptionValue("iis_strategy", _IIS_IRREDUCIBLE)
    status, iis = highs.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return f"HiGHS computed no IIS ({status})"
    rows = []
    for i, code in zip(list(iis.row_index_), list(iis.row_bound_), strict=False):
        rows.append(model.row_entry(int(i), _side(int(code)) or "both"))
    columns = []
    for j, code in zip(list(iis.col_index_), list(iis.col_bound_), strict=False):
        side = _side(int(code))
        if side is not None:  # a column whose own bound takes part in the conflict
            columns.append(model.col_entry(int(j), side))
    if not rows and not columns:
        if model.is_mip:
            return "the LP relaxation is feasible: integrality causes the conflict"
        return "HiGHS found no IIS"
    return rows[:MAX_ITEMS], columns[:MAX_ITEMS]


def _relaxation(model: _Model, time_limit: float) -> dict[str, Any] | None:
    """The elastic model: slack on every finite row side, total slack minimized, integrality kept.

    Returns the rows that need slack (largest first) and the total, or None when even the elastic model has no
    solution (the conflict then lies in the variables' own bounds or integrality).
    """
    lower_rows = [i for i in range(model.m) if math.isfinite(model.row_lower[i]) and model.row_lower[i] > -_INF]
    upper_rows = [i for i in range(model.m) if math.isfinite(model.row_upper[i]) and model.row_upper[i] < _INF]
    slack_rows = lower_rows + upper_rows
    signs = [1.0] * len(lower_rows) + [-1.0] * len(upper_rows)
    k = len(slack_rows)
    if k == 0:
        return None
    lp = model.build()
    lp.num_col_ = model.n + k
    lp.col_cost_ = np.concatenate((np.zeros(model.n), np.ones(k)))
    lp.col_lower_ = np.concatenate((model.col_lower, np.zeros(k)))
    lp.col_upper_ = np.concatenate((model.col_upper, np.full(k, _INF)))
    end = int(model.col_start[-1])
    lp.a_matrix_.start_ = np.concatenate((model.col_start, end + 1 + np.arange(k)))
    lp.a_matrix_.index_ = np.concatenate((model.col_index, np.asarray(slack_rows, dtype=np.int64)))
    lp.a_matrix_.value_ = np.concatenate((model.col_value, np.asarray(signs)))
    lp.a_matrix_.num_col_ = model.n + k
    lp.col_names_ = model.col_names + [f"slack_{s}" for s in range(k)]
    if model.is_mip:
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if flag else kinds.kContinuous for flag in model.integer] + [
            kinds.kContinuous
        ] * k
    highs = _new_highs(time_limit)
    highs.passModel(lp)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    values = np.asarray(highs.getSolution().col_value, dtype=float)[model.n :]
    needed: dict[int, tuple[str, float]] = {}
    for s, (i, sign) in enumerate(zip(slack_rows, signs, strict=True)):
        amount = float(values[s])
        scale = 1.0 + abs(model.row_lower[i] if sign > 0 else model.row_upper[i])
        if amount > 1e-7 * scale:
            needed[i] = ("lower" if sign > 0 else "upper", amount)
    ordered = sorted(needed.items(), key=lambda item: -item[1][1])
    return {
        "rows": [model.row_entry(i, side, amount) for i, (side, amount) in ordered[:MAX_ITEMS]],
        "total_violation": float(sum(amount for _, amount in needed.values())),
    }


def _unbounded(model: _Model, time_limit: float) -> tuple[list[dict[str, Any]], str]:
    """Columns that carry the objective to infinity: from a primal ray when HiGHS gives one, else by their bounds."""
    improve = model.cost if model.maximize else -model.cost  # positive: increasing the column improves
    found: list[dict[str, Any]] = []
    method = "objective_scan"
    highs = _new_highs(time_limit)
    highs.passModel(model.build(cost=model.cost, integer=False, maximize=model.maximize))
    highs.setOptionValue("presolve", "off")  # presolve reports "unbounded or infeasible" without a ray
    highs.setOptionValue("solver", "simplex")
    highs.run()
    if highs.getModelStatus() == highspy.HighsModelStatus.kUnbounded:
        _, has_ray, ray = highs.getPrimalRay()
        ray = np.asarray(ray, dtype=float)
        if has_ray and ray.size >= model.n and np.abs(ray[: model.n]).max(initial=0.0) > 0:
            ray = ray[: model.n]
            scale = float(np.abs(ray).max())
            for j in np.argsort(-np.abs(ray)):
                if abs(ray[j]) <= 1e-9 * scale:
                    break
                found.append(_unbounded_entry(model, int(j), float(ray[j]), float(improve[j])))
            method = "ray"
    if not found:
        for j in range(model.n):
            if improve[j] > 0 and model.col_upper[j] >= _INF:
                found.append(_unbounded_entry(model, j, None, float(improve[j])))
            elif improve[j] < 0 and model.col_lower[j] <= -_INF:
                found.append(_unbounded_entry(model, j, None, float(improve[j])))
    return found[:MAX_ITEMS], method


def _unbounded_entry(model: _Model, j: int, ray: float | None, improve: float) -> dict[str, Any]:
    increase = ray > 0 if ray is not None else improve > 0
    bound = model.col_upper[j] if increase else model.col_lower[j]
    return {
        "name": model.col_names[j],
        "direction": "increase" if increase else "decrease",
        "cost": float(model.cost[j]),
        "lower": _finite(model.col_lower[j]),
        "upper": _finite(model.col_upper[j]),
        "missing_bound": bool(abs(bound) >= _INF),
        "ray": ray,
    }


def diagnose(path: str, mode: str, time_limit: float) -> None:
    """Read the instance at ``path`` and print what makes it infeasible or unbounded.

    Args:
        path: The instance file (MPS or LP) in the working directory.
        mode: ``infeasible``, ``unbounded`` or ``auto`` (decide from a feasibility solve; for a model that the
            solver called "infeasible or unbounded").
        time_limit: Seconds for each solve, so that one slow step leaves time for the others.
    """
    started = time.perf_counter()
    result: dict[str, Any] = {"status": "unknown", "method": "none", "notes": []}
    reader = _new_highs(time_limit)
    if reader.readModel(path) == highspy.HighsStatus.kError:
        _emit({**result, "error": "HiGHS could not read the exported instance"})
        return
    model = _Model(reader.getLp())
    result["rows_total"] = model.m
    result["columns_total"] = model.n
    if reader.getHessianNumNz() > 0:
        result["notes"].append("quadratic objective terms are ignored by the diagnosis")
    feasibility = _feasibility(model, time_limit)
    result["status"] = feasibility
    if feasibility == "infeasible" or (feasibility == "unknown" and mode == "infeasible"):
        bad_rows, bad_cols = _bound_conflicts(model)
        if bad_rows or bad_cols:
            result.update(method="bounds", rows=bad_rows, columns=bad_cols)
            _emit({**result, "wall_time_s": time.perf_counter() - started})
        relaxed = _relaxation(model, time_limit)
        if relaxed is not None:
            result["relaxation"] = relaxed["rows"]
            result["total_violation"] = relaxed["total_violation"]
            if result["method"] == "none":
                result["method"] = "relaxation"
            _emit({**result, "wall_time_s": time.perf_counter() - started})
        if result["method"] != "bounds":
            if model.m > IIS_ROW_LIMIT:
                result["notes"].append(f"{model.m} rows: too many for an IIS, relaxation only")
            else:
                found = _iis(model, time_limit)
                if isinstance(found, str):
                    result["notes"].append(found)
                else:
                    result.update(
                        method="iis_lp_relaxation" if model.is_mip else "iis", rows=found[0], columns=found[1]
                    )
    elif feasibility == "feasible" and mode in ("unbounded", "auto"):
        columns, method = _unbounded(model, time_limit)
        result.update(status="unbounded" if columns else "feasible", method=method, unbounded=columns)
    result["wall_time_s"] = time.perf_counter() - started
    _emit(result)


def main(instance: str, file_name: str, mode: str, time_limit: float) -> None:
    """Write the embedded instance into the working directory and diagnose it (the sandbox entry point)."""
    path = os.path.join(os.getcwd(), os.path.basename(file_name) or "instance.mps")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(instance)
    try:
        diagnose(path, mode, time_limit)
    except Exception as exc:  # noqa: BLE001 - reported as data; the host turns it into a note
        _emit({"status": "unknown", "method": "none", "error": f"{type(exc).__name__}: {exc}"})

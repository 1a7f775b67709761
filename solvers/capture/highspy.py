"""Capture of ``highspy`` solves, and the MPS writer every capture module exports instances with.

``Highs.run`` and ``Highs.solve`` are wrapped (``minimize``/``maximize``/``optimize`` go through ``solve``;
``joinSolve`` covers programs that drive ``startSolve`` themselves). After the solve the record is read from the
``Highs`` object: model status, info, solution and the model itself.

:class:`LinearInstance` / :func:`write_instance` turn a linear (or quadratic-objective) model given as arrays into
an MPS file through a private ``Highs`` object. Libraries without a usable writer of their own (CVXPY, CP-SAT,
MathOpt, Pyomo) export through it, so every exported instance is written the same way and re-reads in HiGHS.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
import numpy.typing as npt

from solvers.capture import (
    SOLUTION_TERMINATIONS,
    CaptureSession,
    finite,
    limit_termination,
    solve_wrapper,
    unique_names,
)

if TYPE_CHECKING:
    from solvers.capture.recorder import Recorder

__all__ = [
    "HIGHS_API",
    "STATUS_MAP",
    "LinearInstance",
    "build_highs_model",
    "install",
    "termination_of",
    "write_instance",
]

DIALECT = "highspy"

STATUS_MAP: dict[str, str] = {
    "kNotset": "unknown",
    "kLoadError": "solver_error",
    "kModelError": "solver_error",
    "kPresolveError": "solver_error",
    "kSolveError": "solver_error",
    "kPostsolveError": "solver_error",
    "kModelEmpty": "optimal",
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible_or_unbounded",
    "kUnbounded": "unbounded",
    "kObjectiveBound": "limit",
    "kObjectiveTarget": "limit",
    "kTimeLimit": "limit",
    "kIterationLimit": "limit",
    "kSolutionLimit": "limit",
    "kInterrupt": "limit",
    "kHighsInterrupt": "limit",
    "kMemoryLimit": "limit",
    "kUnknown": "unknown",
}
"""``HighsModelStatus`` name -> our termination; ``limit`` is resolved by whether a feasible solution exists."""

_Highs: Any = highspy.Highs
# The accessors the capture reads with, taken once at install time: a program that patches ``highspy.Highs``
# afterwards changes what it sees itself, not what the capture reports.
HIGHS_API: Any = types.SimpleNamespace(
    **{
        name: getattr(_Highs, name)
        for name in (
            "version",
            "getLp",
            "getModel",
            "getHessianNumNz",
            "getNumNz",
            "getModelStatus",
            "getInfo",
            "getSolution",
            "setOptionValue",
            "passModel",
            "writeModel",
        )
    }
)
_INF = float(highspy.kHighsInf)
_FEASIBLE_SOLUTION = 2  # HiGHS SolutionStatus kSolutionStatusFeasible


def termination_of(status_name: str, has_solution: bool) -> str:
    """Our termination for a HiGHS model status name (``kOptimal``...), given whether a primal solution exists."""
    mapped = STATUS_MAP.get(status_name, "unknown")
    return limit_termination(has_solution) if mapped == "limit" else mapped


# -- instance export ------------------------------------------------------------------------------------------

FloatArray = Sequence[float] | npt.NDArray[Any]
"""A column or row of numbers: a list or a NumPy array."""
IntArray = Sequence[int] | npt.NDArray[Any]
BoolArray = Sequence[bool] | npt.NDArray[Any]


@dataclass
class LinearInstance:
    """A linear model with an optional quadratic objective, as plain arrays, ready to write as MPS.

    The objective is ``offset + sum(col_cost[j] x_j) + sum(q_vals[k] x_{q_rows[k]} x_{q_cols[k]})``: quadratic
    terms are plain products (a square is ``i == j``), each pair listed any number of times (duplicates add up).
    Constraint coefficients are ``(a_rows, a_cols, a_vals)`` triplets, duplicates also adding up.
    """

    col_names: Sequence[str | None]
    col_cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    col_integer: BoolArray
    row_lower: FloatArray
    row_upper: FloatArray
    a_rows: IntArray
    a_cols: IntArray
    a_vals: FloatArray
    row_names: Sequence[str | None] = ()
    maximize: bool = False
    offset: float = 0.0
    q_rows: IntArray = ()
    q_cols: IntArray = ()
    q_vals: FloatArray = ()
    col_keys: list[str] = field(default_factory=list, init=False)
    """After :func:`write_instance`: the column names as written in the file, in column order."""


def _compress(
    major: np.ndarray, minor: np.ndarray, vals: np.ndarray, n_major: int, n_minor: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Triplets -> compressed (start, index, value) by ``major``, duplicates summed and zeros dropped."""
    if vals.size:
        keys = major.astype(np.int64) * max(n_minor, 1) + minor.astype(np.int64)
        uniq, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse, weights=vals, minlength=uniq.size)
        keep = summed != 0
        uniq, summed = uniq[keep], summed[keep]
        major = uniq // max(n_minor, 1)
        minor = uniq % max(n_minor, 1)
        vals = summed
    else:
        major = np.zeros(0, dtype=np.int64)
        minor = np.zeros(0, dtype=np.int64)
        vals = np.zeros(0, dtype=float)
    counts = np.bincount(major, minlength=n_major) if major.size else np.zeros(n_major, dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return start, minor.astype(np.int32), vals.astype(float)


def _bounds(values: FloatArray, size: int) -> npt.NDArray[np.float64]:
    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.size != size:
        raise ValueError(f"expected {size} bounds, got {arr.size}")
    clipped: npt.NDArray[np.float64] = np.clip(np.nan_to_num(arr, nan=0.0, posinf=_INF, neginf=-_INF), -_INF, _INF)
    return clipped


def build_highs_model(inst: LinearInstance, *, relax: bool = False, with_names: bool = True) -> tuple[Any, list[str]]:
    """``inst`` as a ``highspy.HighsModel`` built from arrays in one go, and the MPS-safe column names it carries.

    The exporter writes it and the gurobipy/coptpy compat layer solves it, so both see exactly the same model.
    ``relax`` drops integrality (an LP relaxation); ``with_names=False`` skips the names (a solve needs none).

    Raises:
        ValueError: when the arrays are inconsistent.
    """
    n = len(inst.col_cost)
    m = len(inst.row_lower)
    model = highspy.HighsModel()
    lp = model.lp_
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = np.asarray(inst.col_cost, dtype=float).reshape(-1)
    lp.col_lower_ = _bounds(inst.col_lower, n)
    lp.col_upper_ = _bounds(inst.col_upper, n)
    lp.row_lower_ = _bounds(inst.row_lower, m)
    lp.row_upper_ = _bounds(inst.row_upper, m)
    lp.offset_ = float(inst.offset)
    lp.sense_ = highspy.ObjSense.kMaximize if inst.maximize else highspy.ObjSense.kMinimize
    rows = np.asarray(inst.a_rows, dtype=np.int64).reshape(-1)
    cols = np.asarray(inst.a_cols, dtype=np.int64).reshape(-1)
    vals = np.asarray(inst.a_vals, dtype=float).reshape(-1)
    if not (rows.size == cols.size == vals.size):
        raise ValueError("constraint triplets differ in length")
    if rows.size and (rows.min() < 0 or rows.max() >= m or cols.min() < 0 or cols.max() >= n):
        raise ValueError("constraint triplet out of range")
    start, index, value = _compress(cols, rows, vals, n, m)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    integer = np.asarray(inst.col_integer, dtype=bool).reshape(-1)
    if not relax and integer.size and integer.any():
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if flag else kinds.kContinuous for flag in integer]
    names: list[str] = []
    if with_names:
        names = unique_names(inst.col_names, "c")
        if len(names) != n:
            raise ValueError("column names differ in length from the columns")
        lp.col_names_ = names
        if m:
            lp.row_names_ = unique_names(list(inst.row_names) + [None] * (m - len(inst.row_names)), "r")[:m]
    if len(inst.q_vals):
        qi = np.asarray(inst.q_rows, dtype=np.int64).reshape(-1)
        qj = np.asarray(inst.q_cols, dtype=np.int64).reshape(-1)
        qv = np.asarray(inst.q_vals, dtype=float).reshape(-1)
        # HiGHS minimises c'x + 1/2 x'Qx with Q's lower triangle stored column-wise: a product c*xi*xj (i != j)
        # is Q_ij = c, a square c*xi^2 is Q_ii = 2c.
        low, high = np.maximum(qi, qj), np.minimum(qi, qj)
        qv = np.where(low == high, 2.0 * qv, qv)
        h_start, h_index, h_value = _compress(high, low, qv, n, n)
        if h_value.size:
            hessian = model.hessian_
            hessian.dim_ = n
            hessian.format_ = highspy.HessianFormat.kTriangular
            hessian.start_ = h_start
            hessian.index_ = h_index
            hessian.value_ = h_value
    return model, names


def write_instance(path: str, inst: LinearInstance) -> list[str]:
    """Write ``inst`` to ``path`` (format from the extension, MPS in practice) and return the written column names.

    The names are made MPS-safe first (see :func:`solvers.capture.unique_names`) and then read back from the writer,
    because HiGHS may still adjust a name while writing; the caller keys ``instance_values`` by what is returned.

    Raises:
        ValueError: when the arrays are inconsistent or HiGHS refuses to write the model.
    """
    model, names = build_highs_model(inst)
    n = len(names)
    writer = _Highs()
    HIGHS_API.setOptionValue(writer, "output_flag", False)
    if HIGHS_API.passModel(writer, model) == highspy.HighsStatus.kError:
        raise ValueError("HiGHS rejected the instance")
    if HIGHS_API.writeModel(writer, path) == highspy.HighsStatus.kError:
        raise ValueError(f"HiGHS could not write {path}")
    written = list(HIGHS_API.getLp(writer).col_names_)
    inst.col_keys = written if len(written) == n else names
    return inst.col_keys


# -- capture of user solves -----------------------------------------------------------------------------------


def install(recorder: Recorder) -> None:
    """Wrap ``Highs.run``, ``Highs.solve`` and ``Highs.joinSolve`` so every solve reports to ``recorder``."""
    for name in ("run", "solve", "joinSolve"):
        original = getattr(_Highs, name, None)
        if original is None or getattr(original, "__optagent_wrapped__", False):
            continue
        setattr(_Highs, name, solve_wrapper(recorder, original, DIALECT, _finish))


def _finish(session: CaptureSession, highs: Any, exc: BaseException | None) -> None:
    record = session.record
    record["solver"] = "highs"
    record["solver_version"] = str(HIGHS_API.version(highs))
    if exc is not None:
        session.note(f"solve raised {type(exc).__name__}: {exc}")
    lp = HIGHS_API.getLp(highs)
    n = int(lp.num_col_)
    names = unique_names(list(lp.col_names_) if len(lp.col_names_) == n else [None] * n, "c")
    hessian_nnz = int(HIGHS_API.getHessianNumNz(highs))
    integrality = list(lp.integrality_) if len(lp.integrality_) == n else []
    is_int = np.array([int(t) != int(highspy.HighsVarType.kContinuous) for t in integrality] or [False] * n, bool)
    lower = np.asarray(lp.col_lower_, dtype=float)
    upper = np.asarray(lp.col_upper_, dtype=float)
    binary = is_int & (lower >= 0) & (upper <= 1) if n else is_int
    has_objective = hessian_nnz > 0 or bool(np.any(np.asarray(lp.col_cost_, dtype=float) != 0))
    stats = record["stats"]
    stats.update(
        variables=n,
        integer=int(is_int.sum() - binary.sum()),
        binary=int(binary.sum()),
        continuous=int(n - is_int.sum()),
        constraints=int(lp.num_row_),
        linear_constraints=int(lp.num_row_),
        nonzeros=int(HIGHS_API.getNumNz(highs)),
        objective="quadratic" if hessian_nnz else ("linear" if has_objective else "none"),
    )
    maximize = lp.sense_ == highspy.ObjSense.kMaximize
    record["sense"] = "maximize" if maximize else "minimize"
    if not has_objective:
        record["sense"] = "feasibility"

    status = HIGHS_API.getModelStatus(highs)
    record["raw_status"] = status.name
    info = HIGHS_API.getInfo(highs)
    has_solution = bool(info.valid) and int(info.primal_solution_status) == _FEASIBLE_SOLUTION
    record["termination"] = termination_of(status.name, has_solution)
    solution = HIGHS_API.getSolution(highs)
    col_values: list[float] = []
    if record["termination"] in SOLUTION_TERMINATIONS and solution.value_valid:
        col_values = [float(v) + 0.0 for v in solution.col_value]
        record["objective_value"] = finite(info.objective_function_value)
        record["variable_values"] = dict(zip(names, col_values, strict=True))
    mip = bool(is_int.any())
    if mip and info.valid:
        record["objective_bound"] = finite(info.mip_dual_bound)
        record["mip_gap"] = finite(info.mip_gap) if record["objective_value"] is not None else None
    elif record["termination"] == "optimal":
        record["objective_bound"] = record["objective_value"]

    recorder = session.recorder
    if recorder.export_instances:
        session.attempt(lambda: _export(session, highs, names, col_values), "instance export")


def _export(session: CaptureSession, highs: Any, names: list[str], col_values: list[float]) -> None:
    # A copy is written, never the user's object: HiGHS's writer can rename columns of the model it writes.
    path = session.recorder.instance_path("mps")
    model = HIGHS_API.getModel(highs)
    model.lp_.col_names_ = names
    num_row = int(model.lp_.num_row_)
    row_names = list(model.lp_.row_names_) if len(model.lp_.row_names_) == num_row else [None] * num_row
    model.lp_.row_names_ = unique_names(row_names, "r")
    writer = _Highs()
    HIGHS_API.setOptionValue(writer, "output_flag", False)
    if (
        HIGHS_API.passModel(writer, model) == highspy.HighsStatus.kError
        or HIGHS_API.writeModel(writer, path) == highspy.HighsStatus.kError
    ):
        session.note("instance export failed: HiGHS could not write the model")
        return
    session.record["instance_path"] = path
    session.record["instance_format"] = "mps"
    written = list(HIGHS_API.getLp(writer).col_names_)
    keys = written if len(written) == len(names) else names
    if col_values:
        session.instance_values = dict(zip(keys, col_values, strict=True))

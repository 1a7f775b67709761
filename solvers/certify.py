"""Certification of a captured solve: re-solve the exported instance with HiGHS and check every claim against it.

A model program's solve is captured inside the sandbox and its model exported as an MPS or LP file, together with
what the program's solver reported: the termination, the objective, the sense and the solution keyed by the
exported column names. None of that is trusted. :func:`certify_instance` (run by the worker in a separate process)
reads the instance with HiGHS, solves it again and checks that

* the re-solve reaches the same conclusion (optimal, infeasible, unbounded, ...),
* an optimal objective matches the re-solve within ``rel_tol``, and
* the reported solution satisfies the instance's rows, bounds and integrality.

The verdict comes back as a JSON-ready dict shaped like :class:`solvers.types.Certification`. Its ``detail`` is one
line for people and for repair prompts, so it names what went wrong in concrete numbers (which row, by how much).

highspy is imported lazily so that importing this module stays cheap in processes that never certify.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import sparse

from solvers.types import Certification, ModelStats, ObjectiveSense, Termination, to_dict

__all__ = ["STATUS_MAP", "certify_instance", "instance_stats"]

STATUS_MAP: Mapping[str, Termination] = MappingProxyType(
    {
        "kOptimal": Termination.OPTIMAL,
        # A model without columns is solved by its objective constant alone.
        "kModelEmpty": Termination.OPTIMAL,
        "kInfeasible": Termination.INFEASIBLE,
        "kUnbounded": Termination.UNBOUNDED,
        "kUnboundedOrInfeasible": Termination.INFEASIBLE_OR_UNBOUNDED,
        # Limits: upgraded to FEASIBLE by _run when HiGHS holds a feasible incumbent.
        "kTimeLimit": Termination.NO_SOLUTION_FOUND,
        "kIterationLimit": Termination.NO_SOLUTION_FOUND,
        "kSolutionLimit": Termination.NO_SOLUTION_FOUND,
        "kObjectiveBound": Termination.NO_SOLUTION_FOUND,
        "kObjectiveTarget": Termination.NO_SOLUTION_FOUND,
        "kMemoryLimit": Termination.NO_SOLUTION_FOUND,
        "kInterrupt": Termination.NO_SOLUTION_FOUND,
        "kHighsInterrupt": Termination.NO_SOLUTION_FOUND,
        "kSolveError": Termination.NUMERICAL_ERROR,
        "kPostsolveError": Termination.NUMERICAL_ERROR,
        "kLoadError": Termination.SOLVER_ERROR,
        "kModelError": Termination.SOLVER_ERROR,
        "kPresolveError": Termination.SOLVER_ERROR,
        "kNotset": Termination.UNKNOWN,
        "kUnknown": Termination.UNKNOWN,
    }
)
"""HiGHS model status (the ``HighsModelStatus`` member name) to our termination.

Keyed by name rather than by the enum so the map can be read without importing highspy and survives members that
a HiGHS version adds or drops; a status missing here counts as ``unknown``.
"""

_ANSWERS = frozenset(
    {
        Termination.OPTIMAL,
        Termination.FEASIBLE,
        Termination.INFEASIBLE,
        Termination.UNBOUNDED,
        Termination.INFEASIBLE_OR_UNBOUNDED,
    }
)
"""Claims that state something checkable about the model; anything else is a non-answer and cannot be certified."""

_SOLUTION_CLAIMS = frozenset({Termination.OPTIMAL, Termination.FEASIBLE})
"""Claims that assert the reported values are a solution, so a violated row or bound refutes them."""

# HighsVarType codes: 0 continuous, 1 integer, 2 semi-continuous, 3 semi-integer, 4 implicit integer.
_INTEGER_CODES = (1, 3, 4)
_SEMI_CODES = (2, 3)
_SOLUTION_STATUS_FEASIBLE = 2  # HiGHS kSolutionStatusFeasible
_HIGHS_DEFAULT_MIP_REL_GAP = 1e-4
_HIGHS_DEFAULT_MIP_ABS_GAP = 1e-6

_banner_silenced = False


class _LoadError(Exception):
    """The instance could not be read; the message says why in words a user can act on."""


# -- reading the instance ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Instance:
    """The exported model as numpy/scipy arrays, so the reported solution can be checked without HiGHS."""

    names: list[str]
    row_names: list[str]
    sense: ObjectiveSense
    offset: float
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: sparse.csr_matrix
    """The constraint matrix, rows by columns; CSR because every check here works row by row."""
    integrality: np.ndarray
    """HighsVarType codes per column (all zero for a continuous model)."""
    hessian: sparse.csr_matrix | None
    """The full symmetric Q of the objective term ``x'Qx / 2`` (HiGHS's convention), None without one."""

    @property
    def num_col(self) -> int:
        """Number of columns (variables)."""
        return len(self.cost)

    @property
    def num_row(self) -> int:
        """Number of rows (linear constraints)."""
        return len(self.row_lower)

    @property
    def is_mip(self) -> bool:
        """True when some column must take integer values."""
        return bool(np.isin(self.integrality, _INTEGER_CODES).any())

    @property
    def used(self) -> np.ndarray:
        """Per column, whether it has a cost, a row coefficient or a quadratic term."""
        used = (self.cost != 0) | (np.diff(self.matrix.tocsc().indptr) > 0)
        if self.hessian is not None:
            used |= np.diff(self.hessian.tocsc().indptr) > 0
        return np.asarray(used, dtype=bool)

    def objective_at(self, x: np.ndarray) -> float:
        """The instance objective at ``x``, offset and quadratic term included, exactly as HiGHS evaluates it."""
        value = float(self.cost @ x) + self.offset
        if self.hessian is not None:
            value += 0.5 * float(x @ (self.hessian @ x))
        return value


def _new_highs() -> Any:
    """A silent ``highspy.Highs``.

    HiGHS prints its banner to stdout from the constructor, before any option can be set, and only the first time
    in a process. The certifying process may use stdout as its channel to the worker, and a model program's stdout
    is the user's output, so the first construction runs with file descriptor 1 pointed at /dev/null.
    """
    global _banner_silenced
    import highspy

    make: Any = highspy.Highs  # highspy's constructor is untyped
    if _banner_silenced:
        highs = make()
    else:
        _banner_silenced = True
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError):
            highs = make()
        else:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                highs = make()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
    highs.setOptionValue("output_flag", False)
    return highs


def _load(path: str) -> tuple[Any, _Instance]:
    """Read ``path`` with HiGHS and extract its arrays; raises :class:`_LoadError` with a readable reason."""
    import highspy

    if not os.path.exists(path):
        raise _LoadError(f"instance file {path!r} does not exist")
    if not os.path.isfile(path):
        raise _LoadError(f"instance path {path!r} is not a regular file")
    if not os.access(path, os.R_OK):
        raise _LoadError(f"instance file {path!r} is not readable")
    highs = _new_highs()
    status = highs.readModel(path)
    if status == highspy.HighsStatus.kError:
        raise _LoadError(
            f"HiGHS could not read {os.path.basename(path)!r}: not a valid MPS/LP file, or it uses a feature "
            "HiGHS does not read (quadratic constraints, an unknown file extension)"
        )
    model = highs.getModel()
    lp = model.lp_
    num_col, num_row = int(lp.num_col_), int(lp.num_row_)

    a = lp.a_matrix_
    start = np.asarray(a.start_, dtype=np.int64)
    index = np.asarray(a.index_, dtype=np.int64)
    value = np.asarray(a.value_, dtype=np.float64)
    if len(start) == 0:  # HiGHS leaves an empty matrix without starts
        matrix = sparse.csr_matrix((num_row, num_col))
    elif a.format_ == highspy.MatrixFormat.kRowwise:
        matrix = sparse.csr_matrix((value, index, start[: num_row + 1]), shape=(num_row, num_col))
    else:
        matrix = sparse.csc_matrix((value, index, start[: num_col + 1]), shape=(num_row, num_col)).tocsr()

    codes = [int(t) for t in lp.integrality_]
    integrality = np.asarray(codes, dtype=np.int8) if codes else np.zeros(num_col, dtype=np.int8)
    names = list(lp.col_names_) or [f"c{j}" for j in range(num_col)]
    row_names = list(lp.row_names_) or [f"r{i}" for i in range(num_row)]
    sense = ObjectiveSense.MAXIMIZE if lp.sense_ == highspy.ObjSense.kMaximize else ObjectiveSense.MINIMIZE
    instance = _Instance(
        names=names,
        row_names=row_names,
        sense=sense,
        offset=float(lp.offset_),
        cost=np.asarray(lp.col_cost_, dtype=np.float64),
        col_lower=np.asarray(lp.col_lower_, dtype=np.float64),
        col_upper=np.asarray(lp.col_upper_, dtype=np.float64),
        row_lower=np.asarray(lp.row_lower_, dtype=np.float64),
        row_upper=np.asarray(lp.row_upper_, dtype=np.float64),
        matrix=matrix,
        integrality=integrality,
        hessian=_full_hessian(model.hessian_, num_col),
    )
    return highs, instance


def _full_hessian(hessian: Any, num_col: int) -> sparse.csr_matrix | None:
    """The full symmetric Q from HiGHS's Hessian, whose triangular format stores only the lower triangle."""
    import highspy

    dim = int(hessian.dim_)
    value = np.asarray(hessian.value_, dtype=np.float64)
    if dim == 0 or not np.any(value):
        return None
    start = np.asarray(hessian.start_, dtype=np.int64)[: dim + 1]
    index = np.asarray(hessian.index_, dtype=np.int64)
    # Columns past dim (if HiGHS ever stores a smaller Hessian) have no quadratic terms: pad with empty columns.
    start = np.concatenate([start, np.full(max(0, num_col - dim), start[-1])])
    size = max(dim, num_col)
    q = sparse.csc_matrix((value, index, start), shape=(size, size))
    if hessian.format_ == highspy.HessianFormat.kTriangular:
        q = q + sparse.triu(q.T, k=1)  # mirror the strictly lower part; the diagonal is stored once
    return q.tocsr()[:num_col, :num_col]


# -- re-solving ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Resolve:
    """What HiGHS concluded about the instance."""

    termination: Termination
    raw_status: str
    objective: float | None
    """In the instance's own sense, offset included; set for optimal and feasible re-solves only."""
    dual_bound: float | None
    """HiGHS's proven MIP bound when the instance is a MIP and the bound is finite."""
    seconds: float
    note: str = ""
    """How an ambiguous 'infeasible or unbounded' was settled, when it was."""


def _run(highs: Any) -> tuple[Termination, str]:
    """Run HiGHS and classify the outcome: the mapped model status, FEASIBLE at a limit with an incumbent.

    HiGHS refuses some models outright (a nonconvex or mixed-integer quadratic objective): ``run`` then returns
    an error and leaves the model status unset, which is a solver error, not an unknown outcome.
    """
    import highspy

    run_status = highs.run()
    raw = highs.getModelStatus().name
    termination = STATUS_MAP.get(raw, Termination.UNKNOWN)
    if termination is Termination.UNKNOWN and run_status == highspy.HighsStatus.kError:
        return Termination.SOLVER_ERROR, f"run returned kError, model status {raw}"
    if termination is Termination.NO_SOLUTION_FOUND and highs.getInfo().primal_solution_status == (
        _SOLUTION_STATUS_FEASIBLE
    ):
        termination = Termination.FEASIBLE
    return termination, raw


def _resolve(highs: Any, instance: _Instance, *, time_limit_s: float, rel_tol: float) -> _Resolve:
    """Solve the loaded instance, settling 'infeasible or unbounded' when HiGHS can.

    The MIP gap is tightened to ``rel_tol`` (never loosened past HiGHS's defaults) so that a re-solve called optimal
    is optimal to the precision its objective is compared at. All attempts share one ``time_limit_s`` budget.
    """
    started = time.monotonic()

    def remaining() -> float:
        left = float(time_limit_s) - (time.monotonic() - started)
        return max(0.0, left) if not math.isnan(left) else 0.0

    tol = max(0.0, float(rel_tol)) if math.isfinite(rel_tol) else _HIGHS_DEFAULT_MIP_REL_GAP
    highs.setOptionValue("mip_rel_gap", min(_HIGHS_DEFAULT_MIP_REL_GAP, tol))
    highs.setOptionValue("mip_abs_gap", min(_HIGHS_DEFAULT_MIP_ABS_GAP, tol))
    highs.setOptionValue("time_limit", remaining())
    termination, raw = _run(highs)
    note = ""

    if termination is Termination.INFEASIBLE_OR_UNBOUNDED and remaining() > 0:
        # Presolve often detects the ambiguity without telling which; the solvers proper usually can.
        highs.clearSolver()
        highs.setOptionValue("presolve", "off")
        highs.setOptionValue("time_limit", remaining())
        second, second_raw = _run(highs)
        if second in (Termination.INFEASIBLE, Termination.UNBOUNDED):
            termination, raw, note = second, second_raw, "settled by a re-solve with presolve off"
    if termination is Termination.INFEASIBLE_OR_UNBOUNDED and remaining() > 0:
        # Last resort: drop the objective. A feasible instance that was 'infeasible or unbounded' is unbounded.
        highs.clearSolver()
        highs.changeColsCost(instance.num_col, np.arange(instance.num_col), np.zeros(instance.num_col))
        if instance.hessian is not None:
            import highspy

            highs.passHessian(highspy.HighsHessian())
        highs.setOptionValue("time_limit", remaining())
        feasibility, _ = _run(highs)
        if feasibility is Termination.OPTIMAL:
            termination, note = Termination.UNBOUNDED, "settled by a feasibility solve: feasible, hence unbounded"
        elif feasibility is Termination.INFEASIBLE:
            termination, note = Termination.INFEASIBLE, "settled by a feasibility solve"
        return _Resolve(termination, raw, None, None, time.monotonic() - started, note)

    objective: float | None = None
    if raw == "kModelEmpty":
        objective = instance.offset
    elif termination in _SOLUTION_CLAIMS:
        objective = float(highs.getInfo().objective_function_value)
    dual_bound: float | None = None
    if instance.is_mip and termination in _SOLUTION_CLAIMS:
        bound = float(highs.getInfo().mip_dual_bound)
        dual_bound = bound if math.isfinite(bound) else None
    return _Resolve(termination, raw, objective, dual_bound, time.monotonic() - started, note)


# -- checking the reported solution -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PointCheck:
    """How the reported solution fares on the instance."""

    max_violation: float | None
    """Largest absolute violation over checked rows, bounds and integrality; None when nothing was checkable."""
    worst_ratio: float
    """Largest violation divided by its scale (see :func:`_check_point`); compared with ``feas_tol``."""
    worst: str
    """The entry behind ``worst_ratio``, in words."""
    columns_checked: int
    rows_checked: int
    reported: int
    """Reported names that are columns of the instance and carry a number."""
    unknown_names: int
    """Reported names that are not columns of the instance."""
    objective: float | None
    """The instance objective at the reported point (instance sense), when every column was reported."""

    @property
    def complete(self) -> bool:
        """True when every column of the instance has a reported value."""
        return self.objective is not None


def _as_float(value: Any) -> float | None:
    """A float for a number, None for anything missing or NaN (the recorder sends NaN as None)."""
    if value is None or isinstance(value, bool | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _check_point(instance: _Instance, values: Mapping[str, Any]) -> _PointCheck:
    """Check the reported solution against every row, bound and integrality the instance states.

    Values are matched to columns by name. Rows are checked only when all their columns have values, since a
    missing value cannot be guessed. Each violation is also scaled so that the verdict is fair to large numbers:
    a row's by ``max(1, max_j |a_ij x_j|)`` (the size of its largest term, which bounds the rounding a correct
    solver leaves behind), a bound's by ``max(1, |x_j|)``, integrality by 1 (solvers' integrality tolerances are
    absolute).
    """
    n = instance.num_col
    position = {name: j for j, name in enumerate(instance.names)}
    x = np.zeros(n)
    have = np.zeros(n, dtype=bool)
    unknown = 0
    for name, raw in values.items():
        j = position.get(name)
        if j is None:
            unknown += 1
            continue
        number = _as_float(raw)
        if number is not None:
            x[j] = number
            have[j] = True
    reported = int(have.sum())

    candidates: list[tuple[float, float, str]] = []  # (ratio, absolute violation, description) of each kind's worst

    # Column bounds, with semi-continuous columns also allowed to sit at zero.
    cols = np.flatnonzero(have)
    xc, lo, up = x[cols], instance.col_lower[cols], instance.col_upper[cols]
    with np.errstate(invalid="ignore"):
        bound_viol = np.maximum(np.maximum(lo - xc, xc - up), 0.0)
        semi = np.isin(instance.integrality[cols], _SEMI_CODES)
        bound_viol = np.where(semi, np.minimum(bound_viol, np.abs(xc)), bound_viol)
        bound_viol = np.where(np.isfinite(xc), np.nan_to_num(bound_viol, nan=math.inf), math.inf)
        bound_ratio = bound_viol / np.maximum(1.0, np.abs(np.nan_to_num(xc, nan=0.0, posinf=0.0, neginf=0.0)))
    if len(cols):
        k = int(np.argmax(bound_ratio))
        j = int(cols[k])
        desc = f"the bounds [{_fmt(lo[k])}, {_fmt(up[k])}] of column {instance.names[j]} (value {_fmt(x[j])})"
        candidates.append((float(bound_ratio[k]), float(bound_viol.max()), desc))

    # Integrality, of columns that appear somewhere. A column with no cost, no row and no quadratic term cannot
    # change the answer, and HiGHS's MPS writer (1.16) wraps such a column in the integer markers of the integer
    # column before it, so its reported (continuous) value would read as fractional.
    integer_cols = cols[np.isin(instance.integrality[cols], _INTEGER_CODES) & instance.used[cols]]
    if len(integer_cols):
        xi = x[integer_cols]
        with np.errstate(invalid="ignore"):
            frac = np.where(np.isfinite(xi), np.abs(xi - np.round(xi)), math.inf)
        k = int(np.argmax(frac))
        j = int(integer_cols[k])
        desc = f"the integrality of column {instance.names[j]} (value {_fmt(x[j])})"
        candidates.append((float(frac[k]), float(frac[k]), desc))

    # Rows whose columns all have values.
    matrix = instance.matrix
    abs_matrix = abs(matrix)
    missing = (~have).astype(np.float64)
    checkable = np.flatnonzero(abs_matrix @ missing == 0) if instance.num_row else np.zeros(0, dtype=np.int64)
    if len(checkable):
        with np.errstate(invalid="ignore", over="ignore"):
            activity = matrix @ x
            act = activity[checkable]
            rlo, rup = instance.row_lower[checkable], instance.row_upper[checkable]
            row_viol = np.nan_to_num(np.maximum(np.maximum(rlo - act, act - rup), 0.0), nan=math.inf)
            terms = abs_matrix.multiply(np.abs(x)[np.newaxis, :]).tocsr()
            largest = np.asarray(terms.max(axis=1).todense()).ravel()[checkable]
            row_ratio = row_viol / np.maximum(1.0, np.nan_to_num(largest, nan=math.inf))
            row_ratio = np.where(np.isnan(row_ratio), math.inf, row_ratio)
        k = int(np.argmax(row_ratio))
        i = int(checkable[k])
        if act[k] > rup[k] or not math.isfinite(act[k]):
            desc = f"row {instance.row_names[i]} (activity {_fmt(act[k])} > upper bound {_fmt(rup[k])})"
        else:
            desc = f"row {instance.row_names[i]} (activity {_fmt(act[k])} < lower bound {_fmt(rlo[k])})"
        candidates.append((float(row_ratio[k]), float(row_viol.max()), desc))

    objective: float | None = None
    if reported == n and np.isfinite(x).all():
        value = instance.objective_at(x)
        objective = value if math.isfinite(value) else None

    if not candidates:
        return _PointCheck(None, 0.0, "", reported, len(checkable), reported, unknown, objective)
    worst_ratio, _, worst = max(candidates, key=lambda c: c[0])
    max_violation = max(c[1] for c in candidates)
    return _PointCheck(max_violation, worst_ratio, worst, reported, len(checkable), reported, unknown, objective)


# -- the verdict --------------------------------------------------------------------------------------------------


def _parse_sense(sense: str) -> ObjectiveSense:
    """The claimed sense, read leniently (``max``, ``Maximize``, ...); anything else means no objective."""
    text = str(sense).strip().lower()
    if text.startswith("max"):
        return ObjectiveSense.MAXIMIZE
    if text.startswith("min"):
        return ObjectiveSense.MINIMIZE
    return ObjectiveSense.FEASIBILITY


def _no_better(claimed: float, reference: float, sense: ObjectiveSense, tol: float) -> bool:
    """True when ``claimed`` does not beat ``reference`` by more than ``tol`` in ``sense``."""
    if sense is ObjectiveSense.MAXIMIZE:
        return claimed <= reference + tol
    return claimed >= reference - tol


def _result(
    *,
    certified: bool,
    status_agrees: bool,
    rel_tol: float,
    detail: str,
    objective_agrees: bool | None = None,
    resolve: _Resolve | None = None,
    resolve_objective: float | None = None,
    point: _PointCheck | None = None,
) -> dict[str, Any]:
    certification = Certification(
        certified=certified,
        status_agrees=status_agrees,
        objective_agrees=objective_agrees,
        resolve_termination=resolve.termination if resolve else Termination.UNKNOWN,
        resolve_objective=resolve_objective,
        max_violation=point.max_violation if point else None,
        columns_checked=point.columns_checked if point else 0,
        rows_checked=point.rows_checked if point else 0,
        rel_tol=rel_tol,
        detail=detail,
    )
    return to_dict(certification)


def certify_instance(
    instance_path: str,
    *,
    termination: str,
    objective: float | None,
    sense: str,
    instance_values: Mapping[str, float] | None,
    rel_tol: float = 1e-6,
    feas_tol: float = 1e-6,
    time_limit_s: float = 30.0,
) -> dict[str, Any]:
    """Independently check a captured solve against its exported instance.

    The instance is re-solved by HiGHS and the claim is certified when

    * the re-solve's status agrees with the claimed ``termination``: optimal with optimal; ``feasible`` (a limit
      with an incumbent) with an optimal re-solve whose optimum the claimed objective does not beat, with a
      feasible re-solve whose MIP bound it does not beat, or, when the re-solve is inconclusive, with a reported
      solution that checks out; ``infeasible`` and ``unbounded`` with the same or with 'infeasible or unbounded'
      (which HiGHS settles where it can by re-solving with presolve off and then without an objective);
    * for an optimal claim, ``|claimed - resolve| <= rel_tol * max(1, |resolve|)``. Objectives are compared in the
      claimed sense: an instance that minimizes while the claim maximizes is read as minimizing the negated
      objective (how some exporters write a maximization), so its optimum is negated, and ``resolve_objective``
      is reported in the claimed sense too. HiGHS counts the instance's objective constant; a claim that matches
      only without it does not agree, and ``detail`` says so;
    * for optimal and feasible claims, no row, bound or integrality of the instance is violated by the reported
      solution by more than ``feas_tol`` times the entry's scale (see :func:`_check_point`: a row's largest term,
      a value's magnitude, 1 for integrality). ``max_violation`` is the largest absolute violation. Values are
      matched to columns by name; a row is checked only when all its columns have values. The reported values
      are also scored on the instance, and ``detail`` notes when that score is not the claimed objective.

    An optimal claim with neither an objective nor any reported value cannot be checked and is not certified;
    with an objective missing but every column reported, the reported solution's objective stands in for it.
    Claims that are not answers (no solution found, errors, unknown) are never certified, though ``detail`` still
    says what the re-solve found, which is what a repair needs.

    Args:
        instance_path: The exported MPS or LP file.
        termination: The claimed :class:`~solvers.types.Termination` value.
        objective: The claimed objective value, None when none was reported.
        sense: The claimed :class:`~solvers.types.ObjectiveSense` value.
        instance_values: The reported solution keyed by the instance's column names (None or empty: none).
        rel_tol: Relative tolerance of the objective comparison (also caps the re-solve's MIP gap).
        feas_tol: Scaled feasibility tolerance of the reported solution.
        time_limit_s: Wall-clock budget of the re-solve, all attempts included.

    Returns:
        A JSON-ready dict with exactly the fields of :class:`~solvers.types.Certification`, encoded by
        :func:`solvers.types.to_dict` (termination as its string value, a non-finite float such as the violation
        of an infinite reported value as ``"inf"``). Never raises: an unreadable instance, or any failure of the
        check itself, gives ``certified: False`` and says why.
    """
    try:
        return _certify(
            instance_path,
            claim=Termination.parse(termination),
            claimed_objective=_as_float(objective),
            claimed_sense=_parse_sense(sense),
            values=dict(instance_values or {}),
            rel_tol=float(rel_tol),
            feas_tol=float(feas_tol),
            time_limit_s=float(time_limit_s),
        )
    except Exception as exc:  # noqa: BLE001 - the worker needs a verdict, not a traceback
        return _result(
            certified=False,
            status_agrees=False,
            rel_tol=rel_tol,
            detail=f"not certified: the certification itself failed ({type(exc).__name__}: {exc})",
        )


def _certify(
    instance_path: str,
    *,
    claim: Termination,
    claimed_objective: float | None,
    claimed_sense: ObjectiveSense,
    values: dict[str, Any],
    rel_tol: float,
    feas_tol: float,
    time_limit_s: float,
) -> dict[str, Any]:
    try:
        highs, instance = _load(instance_path)
    except _LoadError as exc:
        return _result(certified=False, status_agrees=False, rel_tol=rel_tol, detail=f"not certified: {exc}")

    resolve = _resolve(highs, instance, time_limit_s=time_limit_s, rel_tol=rel_tol)
    point = _check_point(instance, values) if values else None
    has_point = point is not None and point.columns_checked > 0
    point_ok = point is None or point.max_violation is None or point.worst_ratio <= feas_tol

    # Everything is compared in the claimed sense (the instance's when the claim has none).
    flipped = claimed_sense is not ObjectiveSense.FEASIBILITY and claimed_sense is not instance.sense
    sign = -1.0 if flipped else 1.0
    cmp_sense = claimed_sense if claimed_sense is not ObjectiveSense.FEASIBILITY else instance.sense
    resolved = None if resolve.objective is None else sign * resolve.objective
    bound = None if resolve.dual_bound is None else sign * resolve.dual_bound
    point_objective = None if point is None or point.objective is None else sign * point.objective
    claimed = claimed_objective
    notes: list[str] = []
    if claimed is None and point_objective is not None and claim in _SOLUTION_CLAIMS:
        claimed = point_objective
        notes.append(f"no objective was reported, so the reported solution's objective {_fmt(claimed)} was used")
    if flipped:
        notes.append(
            f"the instance {'maximizes' if instance.sense is ObjectiveSense.MAXIMIZE else 'minimizes'} while the "
            f"claim {'maximizes' if claimed_sense is ObjectiveSense.MAXIMIZE else 'minimizes'}, so the instance "
            "objective was negated for the comparison"
        )
    if resolve.note:
        notes.append(f"re-solve status {resolve.note}")

    reference = resolved if resolved is not None else 0.0
    tol = rel_tol * max(1.0, abs(reference))
    got = resolve.termination
    ours = _describe_resolve(resolve, resolved, quadratic=instance.hessian is not None)
    status_agrees = False
    objective_agrees: bool | None = None
    objective_text = ""

    if claim is Termination.OPTIMAL:
        status_agrees = got is Termination.OPTIMAL
        if got is Termination.OPTIMAL and resolved is not None:
            if claimed is None:
                objective_text = "no objective was reported to compare" if has_point else ""
            elif math.isfinite(claimed) and abs(claimed - resolved) <= tol:
                objective_agrees = True
                objective_text = f"objective {_fmt(claimed)} agrees within rel_tol {rel_tol:g}"
            else:
                objective_agrees = False
                objective_text = (
                    f"claimed objective {_fmt(claimed)} differs from the re-solve optimum {_fmt(resolved)} "
                    f"by {abs(claimed - resolved):.3g} (> {tol:.3g})"
                )
                objective_text += _explain_mismatch(claimed, resolved, instance.offset * sign, point_objective, tol)
        elif got is Termination.FEASIBLE and claimed is not None and resolved is not None:
            if bound is not None and not _no_better(claimed, bound, cmp_sense, tol):
                objective_agrees = False
                objective_text = f"claimed objective {_fmt(claimed)} beats the re-solve's proven bound {_fmt(bound)}"
            elif not _no_better(resolved, claimed, cmp_sense, tol):
                objective_agrees = False
                objective_text = f"the re-solve found a better solution ({_fmt(resolved)}) than the claimed optimum"
            else:
                objective_text = (
                    "the re-solve stopped before proving optimality, so this is inconclusive, not a refutation"
                )
    elif claim is Termination.FEASIBLE:
        point_verifies = has_point and point is not None and point.complete and point_ok
        if got is Termination.OPTIMAL and resolved is not None:
            status_agrees = claimed is None or _no_better(claimed, resolved, cmp_sense, tol)
            if not status_agrees and claimed is not None:
                objective_text = f"claimed objective {_fmt(claimed)} beats the re-solve optimum {_fmt(resolved)}"
        elif got is Termination.FEASIBLE:
            status_agrees = claimed is None or bound is None or _no_better(claimed, bound, cmp_sense, tol)
            if not status_agrees and claimed is not None and bound is not None:
                objective_text = f"claimed objective {_fmt(claimed)} beats the re-solve's proven bound {_fmt(bound)}"
        elif got is Termination.UNBOUNDED:
            status_agrees = True
        elif got is not Termination.INFEASIBLE:
            status_agrees = point_verifies
            objective_text = (
                "the re-solve is inconclusive but the reported solution checks out"
                if point_verifies
                else "the re-solve is inconclusive and no complete reported solution proves feasibility"
            )
    elif claim is Termination.INFEASIBLE:
        status_agrees = got in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED)
    elif claim is Termination.UNBOUNDED:
        status_agrees = got in (Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED)
    elif claim is Termination.INFEASIBLE_OR_UNBOUNDED:
        status_agrees = got in (Termination.INFEASIBLE, Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED)
    else:
        status_agrees = got is claim

    if (
        claim in _SOLUTION_CLAIMS
        and claimed_objective is not None
        and point_objective is not None
        and abs(point_objective - claimed_objective) > rel_tol * max(1.0, abs(claimed_objective))
        and "scores" not in objective_text
    ):
        notes.append(
            f"the reported solution scores {_fmt(point_objective)} on the instance, not the claimed "
            f"{_fmt(claimed_objective)}"
        )
    point_text = _describe_point(point, instance, values, feas_tol)
    point_counts = claim in _SOLUTION_CLAIMS
    certified = (
        claim in _ANSWERS
        and status_agrees
        and objective_agrees is not False
        and (point_ok or not point_counts)
        and (claim is not Termination.OPTIMAL or has_point or objective_agrees is True)
    )

    if claim not in _ANSWERS:
        lead = f"not certified: the solve reported {claim.value}, which is not an answer to certify; {ours}"
    elif not status_agrees:
        lead = f"not certified: {ours}, but the solve claimed {claim.value}"
    elif certified:
        lead = f"certified: {ours}, consistent with the claimed {claim.value}"
    else:
        lead = f"not certified: {ours}, consistent with the claimed {claim.value}"
    parts = [lead]
    if objective_text:
        parts.append(objective_text)
    elif claim in _ANSWERS and not status_agrees and _inconclusive(claim, got):
        parts.append("this is inconclusive, not a refutation: the re-solve did not settle the question")
    if claim is Termination.OPTIMAL and not has_point and objective_agrees is not True and status_agrees:
        parts.append("neither an objective nor solution values were reported, so the optimum cannot be checked")
    if point_text:
        if point is not None and not point_ok and not point_counts:
            point_text += " (ignored: the claim asserts no solution)"
        parts.append(point_text)
    parts.extend(notes)
    return _result(
        certified=bool(certified),
        status_agrees=bool(status_agrees),
        objective_agrees=objective_agrees,
        rel_tol=rel_tol,
        resolve=resolve,
        resolve_objective=resolved,
        point=point,
        detail="; ".join(parts),
    )


def _inconclusive(claim: Termination, got: Termination) -> bool:
    """True when a disagreeing re-solve says nothing against the claim (it stopped early, failed or is ambiguous)."""
    if got in (Termination.OPTIMAL, Termination.INFEASIBLE, Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED):
        return False  # each of these contradicts any claim it disagrees with
    if got is Termination.FEASIBLE:  # an incumbent refutes only a claim of infeasibility
        return claim is not Termination.INFEASIBLE
    return True


def _describe_resolve(resolve: _Resolve, resolved: float | None, *, quadratic: bool) -> str:
    """What the re-solve concluded, in words (``resolved`` is its objective in the claimed sense)."""
    got = resolve.termination
    if got is Termination.OPTIMAL:
        return "the HiGHS re-solve is optimal" + (f" with objective {_fmt(resolved)}" if resolved is not None else "")
    if got is Termination.FEASIBLE:
        incumbent = f" holding an incumbent of {_fmt(resolved)}" if resolved is not None else ""
        return f"the HiGHS re-solve stopped at a limit ({resolve.raw_status}, {resolve.seconds:.1f} s){incumbent}"
    if got is Termination.NO_SOLUTION_FOUND:
        return (
            f"the HiGHS re-solve stopped at a limit ({resolve.raw_status}, {resolve.seconds:.1f} s) without a solution"
        )
    if got is Termination.INFEASIBLE_OR_UNBOUNDED:
        return "the HiGHS re-solve finds the instance infeasible or unbounded"
    if got in (Termination.INFEASIBLE, Termination.UNBOUNDED):
        return f"the HiGHS re-solve finds the instance {got.value}"
    why = " (HiGHS solves only convex, continuous quadratic objectives)" if quadratic else ""
    return f"the HiGHS re-solve failed ({got.value}: {resolve.raw_status}){why}"


def _explain_mismatch(claimed: float, resolved: float, offset: float, point_objective: float | None, tol: float) -> str:
    """Name the usual innocent cause of an objective mismatch: a constant that one side counts and the other not."""
    if offset and math.isfinite(claimed) and abs(claimed - (resolved - offset)) <= tol:
        return (
            f"; the claim equals the re-solve without the instance's objective constant {_fmt(offset)}, so the "
            "reported objective leaves out a constant that the instance counts"
        )
    if point_objective is not None and abs(point_objective - resolved) <= tol and math.isfinite(claimed):
        return (
            f"; the reported solution scores {_fmt(point_objective)} on the instance, so the difference "
            f"{_fmt(claimed - resolved)} looks like an objective constant the export dropped or the report added"
        )
    return ""


def _describe_point(point: _PointCheck | None, instance: _Instance, values: Mapping[str, Any], feas_tol: float) -> str:
    """One clause on the reported solution: how much of it could be checked and what, if anything, it violates."""
    if point is None:
        return "no solution values were reported"
    if point.columns_checked == 0:
        if point.unknown_names:
            return f"none of the {len(values)} reported names is a column of the instance, so nothing was checked"
        return "no reported value is a number, so nothing was checked"
    extras: list[str] = []
    if point.columns_checked < instance.num_col:
        skipped = instance.num_row - point.rows_checked
        extras.append(
            f"{point.columns_checked} of {instance.num_col} columns reported, {_count(skipped, 'row')} not checkable"
        )
    if point.unknown_names:
        extras.append(f"{_count(point.unknown_names, 'reported name')} not among the instance's columns")
    checked = f"{_count(point.rows_checked, 'row')} and {_count(point.columns_checked, 'column')}"
    if point.max_violation is None or point.worst_ratio <= feas_tol:
        violation = 0.0 if point.max_violation is None else point.max_violation
        extras.insert(0, f"max violation {violation:.3g}")
        return f"the reported solution satisfies {checked} ({'; '.join(extras)})"
    extras.insert(0, f"max violation {point.max_violation:.3g} against a scaled tolerance of {feas_tol:g}")
    return f"the reported solution violates {point.worst}, checking {checked} ({'; '.join(extras)})"


# -- statistics ---------------------------------------------------------------------------------------------------


def instance_stats(instance_path: str) -> dict[str, Any]:
    """Size and structure of an exported instance, as the fields of :class:`~solvers.types.ModelStats`.

    For dialects whose model objects do not expose counts, the exported file is the one reliable description.
    HiGHS reads no quadratic or nonlinear constraints, so those counts are always 0 (such a file fails to load).

    Raises:
        ValueError: The instance cannot be read; the message says why.
    """
    try:
        _, instance = _load(instance_path)
    except _LoadError as exc:
        raise ValueError(str(exc)) from None
    codes = instance.integrality
    is_integer = np.isin(codes, _INTEGER_CODES)
    with np.errstate(invalid="ignore"):
        zero_one = (np.ceil(instance.col_lower) >= 0) & (np.floor(instance.col_upper) <= 1)
    binary = int((is_integer & zero_one).sum())
    integer = int(is_integer.sum()) - binary
    if instance.hessian is not None and instance.hessian.count_nonzero():
        objective = "quadratic"
    elif np.any(instance.cost != 0):
        objective = "linear"
    else:
        objective = "none"
    stats = ModelStats(
        variables=instance.num_col,
        continuous=instance.num_col - integer - binary,
        integer=integer,
        binary=binary,
        constraints=instance.num_row,
        nonzeros=int(instance.matrix.count_nonzero()),
        linear_constraints=instance.num_row,
        quadratic_constraints=0,
        nonlinear_constraints=0,
        objective=objective,
    )
    return to_dict(stats)

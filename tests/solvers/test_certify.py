"""Tests of :mod:`solvers.certify`: every instance is built with highspy itself and written as MPS and as LP.

Building the files with HiGHS's own writers keeps the tests honest about what the reader sees (OBJSENSE, objective
constants, integer markers, QUADOBJ), which is exactly what certification of an exported instance depends on.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pytest
from scipy import sparse

from solvers.certify import STATUS_MAP, certify_instance, instance_stats
from solvers.types import Certification, ModelStats

INF = highspy.kHighsInf
FORMATS = ("mps", "lp")


@dataclass(frozen=True)
class Spec:
    """A small model described by names, so tests read like the algebra they encode."""

    columns: Mapping[str, tuple[float, float, float]]
    """name -> (cost, lower, upper)."""
    rows: Mapping[str, tuple[float, Mapping[str, float], float]] = field(default_factory=dict)
    """name -> (lower, {column: coefficient}, upper)."""
    integer: tuple[str, ...] = ()
    semicontinuous: tuple[str, ...] = ()
    maximize: bool = False
    offset: float = 0.0
    quadratic: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """Lower-triangle entries (row, column) of Q in the objective term x'Qx / 2."""


def write(spec: Spec, path: Path) -> str:
    """Build ``spec`` with highspy's incremental API and write it with HiGHS's writer for ``path``'s suffix."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    names = list(spec.columns)
    position = {name: j for j, name in enumerate(names)}
    cost = np.array([spec.columns[n][0] for n in names], dtype=float)
    lower = np.array([spec.columns[n][1] for n in names], dtype=float)
    upper = np.array([spec.columns[n][2] for n in names], dtype=float)
    assert h.addVars(len(names), lower, upper) == highspy.HighsStatus.kOk
    h.changeColsCost(len(names), np.arange(len(names)), cost)
    for j, name in enumerate(names):
        h.passColName(j, name)
    for i, (row, (lo, coefs, up)) in enumerate(spec.rows.items()):
        idx = np.array([position[c] for c in coefs], dtype=np.int32)
        assert h.addRow(lo, up, len(idx), idx, np.array(list(coefs.values()), dtype=float)) == highspy.HighsStatus.kOk
        h.passRowName(i, row)
    for name in spec.integer:
        h.changeColIntegrality(position[name], highspy.HighsVarType.kInteger)
    for name in spec.semicontinuous:
        h.changeColIntegrality(position[name], highspy.HighsVarType.kSemiContinuous)
    if spec.maximize:
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if spec.offset:
        h.changeObjectiveOffset(spec.offset)
    if spec.quadratic:
        rows = [position[r] for r, _ in spec.quadratic]
        cols = [position[c] for _, c in spec.quadratic]
        assert all(r >= c for r, c in zip(rows, cols, strict=True)), "give the lower triangle"
        q = sparse.csc_matrix((list(spec.quadratic.values()), (rows, cols)), shape=(len(names), len(names)))
        q.sort_indices()
        hessian = highspy.HighsHessian()
        hessian.dim_ = len(names)
        hessian.format_ = highspy.HessianFormat.kTriangular
        hessian.start_ = q.indptr.astype(np.int32)
        hessian.index_ = q.indices.astype(np.int32)
        hessian.value_ = q.data.astype(float)
        assert h.passHessian(hessian) == highspy.HighsStatus.kOk
    assert h.writeModel(str(path)) == highspy.HighsStatus.kOk
    return str(path)


def certify(
    path: str, termination: str, objective: float | None, sense: str = "minimize", values: Any = None, **kw: Any
):
    result = certify_instance(
        path, termination=termination, objective=objective, sense=sense, instance_values=values, **kw
    )
    assert set(result) == {f.name for f in dataclasses.fields(Certification)}
    json.dumps(result, allow_nan=False)  # JSON-ready, strictly
    assert isinstance(result["detail"], str) and "\n" not in result["detail"]
    return result


# max 3x + 2y + 5  s.t.  c1: x + y <= 4,  c2: x + 3y <= 6,  x, y >= 0   ->  x = 4, y = 0, objective 17
PRODUCTION = Spec(
    columns={"x": (3.0, 0.0, INF), "y": (2.0, 0.0, INF)},
    rows={"c1": (-INF, {"x": 1.0, "y": 1.0}, 4.0), "c2": (-INF, {"x": 1.0, "y": 3.0}, 6.0)},
    maximize=True,
    offset=5.0,
)

# min x + 2y + 3z  s.t.  cover: x + y + z >= 2,  pair: x - y <= 1,  0 <= x, y, z <= 10  ->  x = 1.5, y = 0.5
DIET = Spec(
    columns={"x": (1.0, 0.0, 10.0), "y": (2.0, 0.0, 10.0), "z": (3.0, 0.0, 10.0)},
    rows={"cover": (2.0, {"x": 1.0, "y": 1.0, "z": 1.0}, INF), "pair": (-INF, {"x": 1.0, "y": -1.0}, 1.0)},
)


@pytest.fixture(params=FORMATS)
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- linear programs ---------------------------------------------------------------------------------------------------


def test_lp_right_objective_and_solution_is_certified(tmp_path: Path, fmt: str) -> None:
    path = write(DIET, tmp_path / f"diet.{fmt}")
    result = certify(path, "optimal", 2.5, values={"x": 1.5, "y": 0.5, "z": 0.0})
    assert result["certified"] is True
    assert result["status_agrees"] is True
    assert result["objective_agrees"] is True
    assert result["resolve_termination"] == "optimal"
    assert result["resolve_objective"] == pytest.approx(2.5)
    assert result["max_violation"] == pytest.approx(0.0, abs=1e-12)
    assert (result["columns_checked"], result["rows_checked"]) == (3, 2)
    assert result["detail"].startswith("certified:")


def test_lp_wrong_objective_is_not_certified(tmp_path: Path, fmt: str) -> None:
    path = write(DIET, tmp_path / f"diet.{fmt}")
    result = certify(path, "optimal", 2.0, values={"x": 1.5, "y": 0.5, "z": 0.0})
    assert result["certified"] is False
    assert result["status_agrees"] is True
    assert result["objective_agrees"] is False
    assert "claimed objective 2 differs from the re-solve optimum 2.5" in result["detail"]


def test_lp_objective_within_rel_tol_agrees(tmp_path: Path) -> None:
    path = write(DIET, tmp_path / "diet.mps")
    assert certify(path, "optimal", 2.5 + 1e-9, values=None)["objective_agrees"] is True
    assert certify(path, "optimal", 2.5 + 1e-3, values=None)["objective_agrees"] is False
    assert certify(path, "optimal", 2.5 + 1e-3, values=None, rel_tol=1e-2)["certified"] is True


def test_lp_violating_solution_is_not_certified(tmp_path: Path, fmt: str) -> None:
    path = write(DIET, tmp_path / f"diet.{fmt}")
    # Right objective, but x - y = 2 breaks 'pair' by 1.
    result = certify(path, "optimal", 2.5, values={"x": 2.0, "y": 0.0, "z": 0.0})
    assert result["status_agrees"] is True and result["objective_agrees"] is True
    assert result["max_violation"] == pytest.approx(1.0)
    assert result["certified"] is False
    assert "row pair (activity 2 > upper bound 1)" in result["detail"]


def test_lp_bound_violation_is_detected(tmp_path: Path) -> None:
    path = write(DIET, tmp_path / "diet.lp")
    result = certify(path, "optimal", 2.5, values={"x": 12.0, "y": 11.0, "z": -20.5})
    assert result["max_violation"] == pytest.approx(20.5)
    assert result["certified"] is False
    assert "bounds" in result["detail"]


def test_objective_constant_left_out_of_the_claim_is_reported(tmp_path: Path, fmt: str) -> None:
    path = write(PRODUCTION, tmp_path / f"production.{fmt}")
    result = certify(path, "optimal", 12.0, sense="maximize", values={"x": 4.0, "y": 0.0})
    assert result["objective_agrees"] is False
    assert result["certified"] is False
    assert "objective constant 5" in result["detail"]


# -- sense -------------------------------------------------------------------------------------------------------------


def test_max_sense_lp_is_certified(tmp_path: Path, fmt: str) -> None:
    path = write(PRODUCTION, tmp_path / f"production.{fmt}")
    result = certify(path, "optimal", 17.0, sense="maximize", values={"x": 4.0, "y": 0.0})
    assert result["certified"] is True
    assert result["resolve_objective"] == pytest.approx(17.0)
    assert instance_stats(path)["objective"] == "linear"


def test_max_sense_min_objective_claim_is_refuted(tmp_path: Path) -> None:
    # What minimizing the same objective would give (x = y = 0 -> 5): a sense bug in the program.
    path = write(PRODUCTION, tmp_path / "production.mps")
    result = certify(path, "optimal", 5.0, sense="maximize", values={"x": 0.0, "y": 0.0})
    assert result["certified"] is False
    assert result["objective_agrees"] is False


def test_negated_objective_is_compared_in_the_claimed_sense(tmp_path: Path) -> None:
    # An exporter that writes 'maximize f' as 'minimize -f': the instance minimizes, the claim maximizes.
    negated = dataclasses.replace(
        PRODUCTION, columns={"x": (-3.0, 0.0, INF), "y": (-2.0, 0.0, INF)}, maximize=False, offset=-5.0
    )
    path = write(negated, tmp_path / "negated.mps")
    result = certify(path, "optimal", 17.0, sense="maximize", values={"x": 4.0, "y": 0.0})
    assert result["certified"] is True
    assert result["resolve_objective"] == pytest.approx(17.0)
    assert "negated" in result["detail"]


def test_reported_values_that_do_not_score_the_claim_are_noted(tmp_path: Path) -> None:
    path = write(PRODUCTION, tmp_path / "production.mps")
    # Feasible values, the right optimum, but the values are not the optimal solution (they score 14).
    result = certify(path, "optimal", 17.0, sense="maximize", values={"x": 3.0, "y": 0.0})
    assert "the reported solution scores 14 on the instance, not the claimed 17" in result["detail"]


def test_feasible_claim_no_better_than_optimum(tmp_path: Path) -> None:
    path = write(PRODUCTION, tmp_path / "production.mps")
    good = certify(path, "feasible", 14.0, sense="maximize", values={"x": 3.0, "y": 0.0})
    assert good["certified"] is True and good["objective_agrees"] is None
    # 18 beats the optimum 17 of a maximization: impossible for a feasible point.
    bad = certify(path, "feasible", 18.0, sense="maximize", values=None)
    assert bad["status_agrees"] is False and bad["certified"] is False
    assert "beats the re-solve optimum 17" in bad["detail"]


# -- integer programs --------------------------------------------------------------------------------------------------

# max 5a + 4b  s.t.  cap: 6a + 4b <= 24,  mix: a + 2b <= 6,  a, b integer in [0, 10]  ->  a = 4, b = 0, objective 20
KNAPSACK = Spec(
    columns={"a": (5.0, 0.0, 10.0), "b": (4.0, 0.0, 10.0)},
    rows={"cap": (-INF, {"a": 6.0, "b": 4.0}, 24.0), "mix": (-INF, {"a": 1.0, "b": 2.0}, 6.0)},
    integer=("a", "b"),
    maximize=True,
)


def test_milp_integer_solution_is_certified(tmp_path: Path, fmt: str) -> None:
    path = write(KNAPSACK, tmp_path / f"knapsack.{fmt}")
    result = certify(path, "optimal", 20.0, sense="maximize", values={"a": 4.0, "b": 0.0})
    assert result["certified"] is True, result["detail"]


def test_milp_fractional_value_is_an_integrality_violation(tmp_path: Path, fmt: str) -> None:
    path = write(KNAPSACK, tmp_path / f"knapsack.{fmt}")
    # The LP relaxation's optimum (a = 3, b = 1.5, objective 21) is feasible for every row but not integral.
    result = certify(path, "optimal", 21.0, sense="maximize", values={"a": 3.0, "b": 1.5})
    assert result["max_violation"] == pytest.approx(0.5)
    assert result["objective_agrees"] is False
    assert result["certified"] is False
    assert "integrality of column b (value 1.5)" in result["detail"]


def test_milp_tiny_integrality_noise_is_tolerated(tmp_path: Path) -> None:
    path = write(KNAPSACK, tmp_path / "knapsack.mps")
    result = certify(path, "optimal", 20.0, sense="maximize", values={"a": 4.0 - 1e-9, "b": 1e-9})
    assert result["certified"] is True
    assert 0 < result["max_violation"] < 1e-8


def test_unused_column_after_an_integer_one_is_not_held_to_integrality(tmp_path: Path) -> None:
    # HiGHS 1.16 writes the empty continuous column 'idle' inside the integer markers of 'b' in MPS.
    spec = dataclasses.replace(KNAPSACK, columns={**KNAPSACK.columns, "idle": (0.0, 0.0, 3.5)})
    path = write(spec, tmp_path / "idle.mps")
    result = certify(path, "optimal", 20.0, sense="maximize", values={"a": 4.0, "b": 0.0, "idle": 3.5})
    assert result["certified"] is True, result["detail"]


def test_semicontinuous_column_may_sit_at_zero(tmp_path: Path) -> None:
    spec = Spec(
        columns={"s": (1.0, 2.0, 5.0), "t": (2.0, 0.0, 10.0)},
        rows={"need": (1.0, {"s": 1.0, "t": 1.0}, INF)},
        semicontinuous=("s",),
    )
    path = write(spec, tmp_path / "semi.mps")
    # s = 0 is allowed although its lower bound is 2; t = 1 covers the row at cost 2, s = 2 would cost 2 too.
    assert certify(path, "optimal", 2.0, values={"s": 0.0, "t": 1.0})["certified"] is True
    assert certify(path, "optimal", 2.0, values={"s": 1.0, "t": 0.0})["max_violation"] == pytest.approx(1.0)


# -- infeasible and unbounded ------------------------------------------------------------------------------------------

INFEASIBLE = Spec(
    columns={"x": (1.0, 0.0, INF), "y": (1.0, 0.0, INF)},
    rows={"impossible": (-INF, {"x": 1.0, "y": 1.0}, -1.0)},
)
UNBOUNDED = Spec(
    columns={"x": (-1.0, 0.0, INF), "y": (-1.0, 0.0, INF)},
    rows={"gap": (-INF, {"x": 1.0, "y": -1.0}, 1.0)},
)


def test_infeasible_claim_is_certified(tmp_path: Path, fmt: str) -> None:
    path = write(INFEASIBLE, tmp_path / f"infeasible.{fmt}")
    result = certify(path, "infeasible", None)
    assert result["certified"] is True
    assert result["objective_agrees"] is None
    assert result["resolve_termination"] == "infeasible"
    assert result["resolve_objective"] is None


def test_optimal_claim_on_infeasible_instance_disagrees(tmp_path: Path, fmt: str) -> None:
    path = write(INFEASIBLE, tmp_path / f"infeasible.{fmt}")
    result = certify(path, "optimal", 0.0, values={"x": 0.0, "y": 0.0})
    assert result["status_agrees"] is False
    assert result["certified"] is False
    assert "finds the instance infeasible, but the solve claimed optimal" in result["detail"]
    assert result["max_violation"] == pytest.approx(1.0)


def test_infeasible_or_unbounded_claim_agrees_with_infeasible(tmp_path: Path) -> None:
    path = write(INFEASIBLE, tmp_path / "infeasible.mps")
    assert certify(path, "infeasible_or_unbounded", None)["certified"] is True
    assert certify(path, "unbounded", None)["status_agrees"] is False


def test_unbounded_lp(tmp_path: Path, fmt: str) -> None:
    path = write(UNBOUNDED, tmp_path / f"unbounded.{fmt}")
    result = certify(path, "unbounded", None)
    assert result["certified"] is True
    assert result["resolve_termination"] == "unbounded"
    assert certify(path, "infeasible_or_unbounded", None)["certified"] is True
    refuted = certify(path, "optimal", -1.0)
    assert refuted["status_agrees"] is False and refuted["certified"] is False


def test_unbounded_milp_ambiguity_is_settled(tmp_path: Path) -> None:
    # HiGHS's presolve calls this MIP 'unbounded or infeasible'; certification settles it as unbounded.
    path = write(dataclasses.replace(UNBOUNDED, integer=("x",)), tmp_path / "unbounded_mip.mps")
    result = certify(path, "unbounded", None)
    assert result["resolve_termination"] == "unbounded"
    assert result["certified"] is True
    wrong = certify(path, "infeasible", None)
    assert wrong["status_agrees"] is False
    assert "finds the instance unbounded" in wrong["detail"]


# -- quadratic objectives ----------------------------------------------------------------------------------------------

# min x^2 + y^2 - 2x - 4y  s.t.  budget: x + y <= 2  ->  x = 0.5, y = 1.5, objective -4.5
CONVEX_QP = Spec(
    columns={"x": (-2.0, -10.0, 10.0), "y": (-4.0, -10.0, 10.0)},
    rows={"budget": (-INF, {"x": 1.0, "y": 1.0}, 2.0)},
    quadratic={("x", "x"): 2.0, ("y", "y"): 2.0},
)


def test_convex_qp_objective_is_checked(tmp_path: Path, fmt: str) -> None:
    path = write(CONVEX_QP, tmp_path / f"qp.{fmt}")
    right = certify(path, "optimal", -4.5, values={"x": 0.5, "y": 1.5})
    assert right["certified"] is True, right["detail"]
    assert right["resolve_objective"] == pytest.approx(-4.5, abs=1e-6)
    # -5 is the unconstrained minimum (x = 1, y = 2), which breaks the budget row.
    wrong = certify(path, "optimal", -5.0, values={"x": 1.0, "y": 2.0})
    assert wrong["objective_agrees"] is False
    assert wrong["max_violation"] == pytest.approx(1.0)
    assert wrong["certified"] is False


def test_qp_without_claimed_objective_uses_the_reported_solution(tmp_path: Path) -> None:
    spec = dataclasses.replace(CONVEX_QP, quadratic={("x", "x"): 2.0, ("y", "x"): 1.0, ("y", "y"): 2.0})
    path = write(spec, tmp_path / "qp_cross.mps")
    # With the cross term x*y the optimum moves; its objective is whatever HiGHS says, so compare against that.
    optimum = certify(path, "optimal", 0.0)["resolve_objective"]
    # Stationarity on x + y = 2 with Q = [[2, 1], [1, 2]], c = (-2, -4): x = 0, y = 2.
    result = certify(path, "optimal", None, values={"x": 0.0, "y": 2.0})
    assert optimum == pytest.approx(-4.0, abs=1e-6)
    assert result["certified"] is True
    assert "reported solution's objective -4" in result["detail"]


def test_nonconvex_qp_is_an_inconclusive_solver_error(tmp_path: Path) -> None:
    spec = Spec(columns={"x": (0.0, 0.0, 1.0)}, quadratic={("x", "x"): -2.0})
    path = write(spec, tmp_path / "concave.mps")
    result = certify(path, "optimal", -1.0, values={"x": 1.0})
    assert result["resolve_termination"] == "solver_error"
    assert result["certified"] is False
    assert "inconclusive, not a refutation" in result["detail"]


# -- partial and missing values ----------------------------------------------------------------------------------------


def test_partial_values_check_only_complete_rows(tmp_path: Path, fmt: str) -> None:
    path = write(DIET, tmp_path / f"diet.{fmt}")
    # z is missing: 'cover' (x + y + z) cannot be checked, 'pair' (x - y) can.
    result = certify(path, "optimal", 2.5, values={"x": 1.5, "y": 0.5})
    assert (result["columns_checked"], result["rows_checked"]) == (2, 1)
    assert result["certified"] is True
    assert "2 of 3 columns reported, 1 row not checkable" in result["detail"]
    broken = certify(path, "optimal", 2.5, values={"x": 3.0, "y": 0.5})
    assert broken["max_violation"] == pytest.approx(1.5)
    assert broken["certified"] is False


def test_no_values_means_no_violation_measure(tmp_path: Path) -> None:
    path = write(DIET, tmp_path / "diet.mps")
    for values in (None, {}):
        result = certify(path, "optimal", 2.5, values=values)
        assert result["max_violation"] is None
        assert result["columns_checked"] == result["rows_checked"] == 0
        assert result["certified"] is True


def test_optimal_claim_with_nothing_to_compare_is_not_certified(tmp_path: Path) -> None:
    path = write(DIET, tmp_path / "diet.mps")
    result = certify(path, "optimal", None, values=None)
    assert result["status_agrees"] is True
    assert result["certified"] is False
    assert "cannot be checked" in result["detail"]


def test_unknown_names_and_missing_values(tmp_path: Path) -> None:
    path = write(DIET, tmp_path / "diet.mps")
    result = certify(path, "optimal", 2.5, values={"X": 1.5, "Y": 0.5})
    assert result["max_violation"] is None
    assert "none of the 2 reported names is a column" in result["detail"]
    nan_value = certify(path, "optimal", 2.5, values={"x": 1.5, "y": 0.5, "z": None})
    assert nan_value["columns_checked"] == 2


# -- tolerances --------------------------------------------------------------------------------------------------------


def test_feasibility_tolerance_scales_with_the_row(tmp_path: Path) -> None:
    spec = Spec(
        columns={"big": (0.0, 0.0, INF), "small": (0.0, 0.0, INF)},
        rows={"balance": (-INF, {"big": 1.0, "small": -1.0}, 0.0)},
    )
    path = write(spec, tmp_path / "scale.mps")
    # An excess of 1e-4 on terms of size 1e6 is rounding (scaled 1e-10); on terms of size 1 it is a real violation.
    rounding = certify(path, "optimal", 0.0, values={"big": 1e6 + 1e-4, "small": 1e6})
    assert rounding["max_violation"] == pytest.approx(1e-4, rel=1e-3)
    assert rounding["certified"] is True
    real = certify(path, "optimal", 0.0, values={"big": 1.0 + 1e-4, "small": 1.0})
    assert real["max_violation"] == pytest.approx(1e-4, rel=1e-6)
    assert real["certified"] is False
    assert certify(path, "optimal", 0.0, values={"big": 1.0 + 1e-4, "small": 1.0}, feas_tol=1e-3)["certified"] is True


# -- statuses that are not answers, limits, bad files ------------------------------------------------------------------


def test_no_solution_found_is_never_certified(tmp_path: Path) -> None:
    path = write(DIET, tmp_path / "diet.mps")
    result = certify(path, "no_solution_found", None)
    assert result["certified"] is False
    assert "not an answer" in result["detail"]
    assert "optimal with objective 2.5" in result["detail"]


def test_time_limit_makes_an_optimal_claim_inconclusive(tmp_path: Path) -> None:
    path = write(KNAPSACK, tmp_path / "knapsack.mps")
    result = certify(path, "optimal", 20.0, sense="maximize", values={"a": 4.0, "b": 0.0}, time_limit_s=0.0)
    assert result["resolve_termination"] in ("no_solution_found", "feasible")
    assert result["certified"] is False
    assert "inconclusive" in result["detail"]
    # A feasible claim is proven by its own complete, checked solution even when the re-solve says nothing.
    feasible = certify(path, "feasible", 20.0, sense="maximize", values={"a": 4.0, "b": 0.0}, time_limit_s=0.0)
    assert feasible["certified"] is True, feasible["detail"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.mps", "this is not\nan MPS file at all\n"),
        ("garbage.lp", "minimize }}} what\n"),
        ("empty.mps", ""),
        ("model.txt", "NAME\nROWS\n N obj\nENDATA\n"),
        ("binary.mps", "\x00\x01\x02\xff"),
    ],
)
def test_unreadable_file_is_not_certified(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="latin-1")
    result = certify(str(path), "optimal", 1.0, values={"x": 1.0})
    assert result["certified"] is False
    assert result["status_agrees"] is False
    assert "could not read" in result["detail"]
    with pytest.raises(ValueError, match="could not read"):
        instance_stats(str(path))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "does not exist" in certify(str(tmp_path / "absent.mps"), "optimal", 1.0)["detail"]
    assert "not a regular file" in certify(str(tmp_path), "optimal", 1.0)["detail"]


def test_bad_arguments_do_not_raise(tmp_path: Path) -> None:
    path = write(DIET, tmp_path / "diet.mps")
    result = certify(path, "bogus", "not a number", sense="sideways", values={"x": "abc"})  # type: ignore[arg-type]
    assert result["certified"] is False


# -- statistics and the status map -------------------------------------------------------------------------------------


def test_instance_stats(tmp_path: Path, fmt: str) -> None:
    mixed = dataclasses.replace(
        KNAPSACK,
        columns={**KNAPSACK.columns, "c": (1.0, 0.0, 1.0), "d": (0.5, 0.0, 3.5)},
        integer=("a", "c"),
    )
    stats = instance_stats(write(mixed, tmp_path / f"mixed.{fmt}"))
    assert set(stats) == {f.name for f in dataclasses.fields(ModelStats)}
    assert stats == {
        "variables": 4,
        "continuous": 2,
        "integer": 1,
        "binary": 1,
        "constraints": 2,
        "nonzeros": 4,
        "linear_constraints": 2,
        "quadratic_constraints": 0,
        "nonlinear_constraints": 0,
        "logical_constraints": 0,
        "objective": "linear",
    }
    assert ModelStats(**stats).problem_class == "milp"
    qp = instance_stats(write(CONVEX_QP, tmp_path / f"qp.{fmt}"))
    assert qp["objective"] == "quadratic" and ModelStats(**qp).problem_class == "qp"
    assert instance_stats(write(INFEASIBLE, tmp_path / f"feas.{fmt}"))["objective"] == "linear"
    none = dataclasses.replace(INFEASIBLE, columns={"x": (0.0, 0.0, 1.0), "y": (0.0, 0.0, 1.0)})
    assert instance_stats(write(none, tmp_path / f"none.{fmt}"))["objective"] == "none"


def test_status_map_covers_every_highs_status() -> None:
    assert set(highspy.HighsModelStatus.__members__) <= set(STATUS_MAP)


def test_large_model_is_checked_vectorized(tmp_path: Path) -> None:
    # 20 000 columns, 20 000 rows, 100 000 nonzeros: chain rows x_i + x_{i+1} + ... <= 5 over windows of five.
    n = 20_000
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n), -np.ones(n))
    starts = np.arange(n, dtype=np.int32) * 5
    index = (np.arange(n)[:, None] + np.arange(5)[None, :]) % n
    h.addRows(n, np.full(n, -INF), np.full(n, 5.0), 5 * n, starts, index.ravel().astype(np.int32), np.ones(5 * n))
    path = str(tmp_path / "large.mps")
    h.writeModel(path)
    lp_names = highspy.Highs()
    lp_names.setOptionValue("output_flag", False)
    lp_names.readModel(path)
    names = list(lp_names.getLp().col_names_)
    values = dict.fromkeys(names, 1.0)
    result = certify(path, "optimal", -float(n), values=values)
    assert result["certified"] is True, result["detail"]
    assert (result["columns_checked"], result["rows_checked"]) == (n, n)
    values[names[7]] = 1.5
    result = certify(path, "optimal", -float(n), values=values)
    assert result["max_violation"] == pytest.approx(0.5)


def test_certifying_process_prints_nothing(tmp_path: Path) -> None:
    # The worker's certifying process may talk to it over stdout: HiGHS's banner must not leak there.
    path = write(DIET, tmp_path / "diet.mps")
    code = (
        "import json, sys\n"
        "from solvers.certify import certify_instance\n"
        f"r = certify_instance({path!r}, termination='optimal', objective=2.5, sense='minimize', "
        "instance_values={'x': 1.5, 'y': 0.5, 'z': 0.0})\n"
        "sys.stdout.write(json.dumps(r))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    assert json.loads(done.stdout)["certified"] is True

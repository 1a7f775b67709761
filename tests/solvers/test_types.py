"""The solver layer's contracts: vocabulary, guarded accessors, classification and the JSON round trip."""

from __future__ import annotations

import json
import math

import pytest

from solvers import (
    Certification,
    CodeRun,
    Dialect,
    Isolation,
    ModelProgram,
    ModelStats,
    NoSolutionError,
    RunOutcome,
    SolveResult,
    Termination,
    UnknownDialectError,
    detect_dialect,
)
from solvers.types import json_schema


def test_termination_parse_never_raises() -> None:
    assert Termination.parse("OPTIMAL") is Termination.OPTIMAL
    assert Termination.parse(" infeasible ") is Termination.INFEASIBLE
    assert Termination.parse("kOptimal") is Termination.UNKNOWN
    assert Termination.parse("") is Termination.UNKNOWN


def test_objective_is_guarded() -> None:
    assert SolveResult(Termination.OPTIMAL, objective_value=3.0).objective() == 3.0
    with pytest.raises(NoSolutionError, match="infeasible"):
        SolveResult(Termination.INFEASIBLE).objective()
    assert SolveResult(Termination.FEASIBLE, objective_value=1.0).has_solution
    assert not SolveResult(Termination.NO_SOLUTION_FOUND).has_solution


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        (ModelStats(variables=2, continuous=2), "lp"),
        (ModelStats(variables=2, integer=1, continuous=1), "milp"),
        (ModelStats(variables=2, continuous=2, objective="quadratic"), "qp"),
        (ModelStats(variables=2, binary=2, objective="quadratic"), "miqp"),
        (ModelStats(variables=2, continuous=2, quadratic_constraints=1), "qcp"),
        (ModelStats(variables=2, integer=2, nonlinear_constraints=1), "minlp"),
        (ModelStats(variables=3, binary=3, logical_constraints=2), "cp"),
        (ModelStats(variables=3, binary=2, continuous=1, logical_constraints=1), "minlp"),
    ],
)
def test_problem_class(stats: ModelStats, expected: str) -> None:
    assert stats.problem_class == expected
    assert stats.is_linear == (expected in ("lp", "milp"))


def test_code_run_round_trips_through_json() -> None:
    run = CodeRun(
        outcome=RunOutcome.OK,
        stdout="hi\n",
        wall_time_s=0.5,
        solves=(
            SolveResult(
                Termination.OPTIMAL,
                objective_value=11.0,
                objective_bound=math.inf,
                variable_values={"x[1]": 3.0},
                stats=ModelStats(variables=1, continuous=1),
                certification=Certification(certified=True, status_agrees=True, objective_agrees=True),
                notes=("a note",),
            ),
        ),
        isolation=Isolation(backend="bwrap", network_isolated=True, rlimits={"RLIMIT_AS": 1}),
    )
    text = run.to_json()
    back = CodeRun.from_dict(json.loads(text))
    assert back == run
    assert back.result is not None and back.result.objective_bound == math.inf


def test_off_contract_data_is_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="outcome"):
        CodeRun.from_dict({"outcome": "exploded"})


def test_json_schema_describes_the_run() -> None:
    schema = json_schema(CodeRun)
    assert {"outcome", "solves", "isolation"} <= set(schema["properties"])


@pytest.mark.parametrize(
    ("source", "dialect"),
    [
        ("import pyomo.environ as pyo\n", Dialect.PYOMO),
        ("from ortools.sat.python import cp_model\n", Dialect.ORTOOLS),
        ("import cvxpy as cp\nimport numpy\n", Dialect.CVXPY),
        ("from pyscipopt import Model\n", Dialect.PYSCIPOPT),
        ("import highspy\nx = (\n", Dialect.HIGHSPY),  # a syntax error still gets a dialect
        ("print(1)\n", None),
    ],
)
def test_dialect_detection(source: str, dialect: Dialect | None) -> None:
    assert detect_dialect(source) == dialect
    assert ModelProgram.from_source(source).dialect == dialect


def test_dialect_names_and_errors() -> None:
    assert Dialect.parse("SCIP") is Dialect.PYSCIPOPT
    assert Dialect.parse("cp-sat") is Dialect.ORTOOLS
    with pytest.raises(UnknownDialectError, match="choose one of"):
        Dialect.parse("gams")

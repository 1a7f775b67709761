"""Scripted answers for the first nl4opt items: a mock file that solves them right, and one that gets all wrong.

Each reply is in the optagent layout (a formulation and a program), so the one reply serves the formulation
request and the program request of its item alike (see :func:`benchmarks.runner.mock_from_file`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agent.parsing import render_optagent_response
from tests.conftest import REPO

DATA = Path(os.environ.get("OPTAGENT_DATA_DIR") or REPO.parent / "shared" / "benchmarks")
"""The benchmark data directory the tests read (``OPTAGENT_DATA_DIR``, else the shared copy)."""


def use_nl4opt_data(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the suite registry at :data:`DATA`, or skip the test when it has no nl4opt suite."""
    if not (DATA / "suites" / "nl4opt.jsonl").is_file():
        pytest.skip(f"no nl4opt suite under {DATA} (set OPTAGENT_DATA_DIR to the benchmark data directory)")
    monkeypatch.setenv("OPTAGENT_DATA_DIR", str(DATA))
    return DATA


# (a phrase that occurs only in the item's question, integer variables?, sense, objective, constraints), with the
# optimum the suite gives: the programs are written from the question, the answers checked against the suite.
Row = tuple[dict[str, float], str, float]
"""A constraint: coefficients by variable, the operator, the right-hand side."""

MODELS: dict[str, tuple[str, bool, str, dict[str, float], list[Row]]] = {
    "nl4opt-0001": (
        "ducks need to be taken to shore",
        True,
        "minimize",
        {"boat": 20, "canoe": 40},
        [({"boat": 10, "canoe": 8}, ">=", 300), ({"boat": 1}, "<=", 12), ({"canoe": 2, "boat": -3}, ">=", 0)],
    ),
    "nl4opt-0002": (
        "medicinal ingredients to make two pills",
        True,
        "minimize",
        {"large": 2, "small": 1},
        [({"large": 3, "small": 2}, "<=", 1000), ({"large": 1}, ">=", 100), ({"small": 2, "large": -3}, ">=", 0)],
    ),
    "nl4opt-0003": (
        "employs part time workers and full time workers",
        True,
        "minimize",
        {"full": 1, "part": 1},
        [({"full": 8, "part": 4}, ">=", 500), ({"full": 300, "part": 100}, "<=", 15000)],
    ),
    "nl4opt-0004": (
        "counter-top sized one and a fridge sized one",
        True,
        "minimize",
        {"counter": 1, "fridge": 1},
        [({"counter": 80, "fridge": 150}, ">=", 1000), ({"counter": 50, "fridge": 70}, "<=", 500)],
    ),
    "nl4opt-0005": (
        "mix his animal feeds",
        False,
        "minimize",
        {"feed_a": 100, "feed_b": 80},
        [({"feed_a": 10, "feed_b": 7}, ">=", 30), ({"feed_a": 8, "feed_b": 15}, ">=", 50)],
    ),
}


def _expr(coefficients: dict[str, float]) -> str:
    return " + ".join(f"{c} * m.{name}" for name, c in coefficients.items())


def program(integer: bool, sense: str, objective: dict[str, float], constraints: list[Row], *, sleep: float = 0) -> str:
    names = sorted({*objective, *(n for row, _, _ in constraints for n in row)})
    domain = "pyo.NonNegativeIntegers" if integer else "pyo.NonNegativeReals"
    lines = ["import pyomo.environ as pyo"]
    if sleep:
        lines += ["import time", f"time.sleep({sleep})"]
    lines.append("m = pyo.ConcreteModel()")
    lines += [f"m.{name} = pyo.Var(domain={domain})" for name in names]
    for i, (row, op, rhs) in enumerate(constraints):
        lines.append(f"m.c{i} = pyo.Constraint(expr={_expr(row)} {op} {rhs})")
    lines.append(f"m.obj = pyo.Objective(expr={_expr(objective)}, sense=pyo.{sense})")
    lines.append('result = pyo.SolverFactory("appsi_highs").solve(m)')
    lines.append('print("status:", result.solver.termination_condition)')
    lines.append('print("objective:", pyo.value(m.obj))')
    return "\n".join(lines) + "\n"


def formulation(integer: bool, sense: str, objective: dict[str, float], constraints: list[Row]) -> str:
    kind = "integer" if integer else "continuous"
    names = sorted({*objective, *(n for row, _, _ in constraints for n in row)})
    variables = "\n".join(f"- {n}: {kind}, >= 0" for n in names)
    rows = "\n".join(
        f"- c{i}: {' + '.join(f'{c} {n}' for n, c in row.items())} {op} {rhs}"
        for i, (row, op, rhs) in enumerate(constraints)
    )
    terms = " + ".join(f"{c} {n}" for n, c in objective.items())
    return (
        f"### Sets\n- none\n### Parameters\n- as stated\n### Decision variables\n{variables}\n"
        f"### Objective\n- {sense} {terms}\n### Constraints\n{rows}"
    )


def reply(item_id: str, *, sleep: float = 0) -> str:
    _, integer, sense, objective, constraints = MODELS[item_id]
    return render_optagent_response(
        formulation(integer, sense, objective, constraints),
        program(integer, sense, objective, constraints, sleep=sleep),
    )


# A small valid model whose optimum (3) is no item's answer: "everything wrong", but well-formed and solvable.
WRONG = render_optagent_response(
    "### Sets\n- none\n### Parameters\n- none\n### Decision variables\n- x: continuous, >= 0\n"
    "### Objective\n- minimize x\n### Constraints\n- c0: x >= 3",
    "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\nm.x = pyo.Var(domain=pyo.NonNegativeReals)\n"
    "m.c0 = pyo.Constraint(expr=m.x >= 3)\nm.obj = pyo.Objective(expr=m.x, sense=pyo.minimize)\n"
    'result = pyo.SolverFactory("appsi_highs").solve(m)\nprint("status:", result.solver.termination_condition)\n'
    'print("objective:", pyo.value(m.obj))\n',
)


def slow_wrong(seconds: float) -> str:
    """:data:`WRONG`, taking ``seconds`` to run (to kill a run in the middle)."""
    return WRONG.replace(
        "import pyomo.environ as pyo\n", f"import pyomo.environ as pyo\nimport time\ntime.sleep({seconds})\n", 1
    )


def right_mock(path: Path) -> Path:
    """A mock file answering the first five nl4opt items correctly (and nothing else)."""
    path.write_text(json.dumps({phrase: reply(item_id) for item_id, (phrase, *_) in MODELS.items()}))
    return path


def wrong_mock(path: Path, *, sleep: float = 0) -> Path:
    """A mock file answering every prompt with a solvable model of the wrong optimum."""
    path.write_text(json.dumps({"*": slow_wrong(sleep) if sleep else WRONG}))
    return path

"""The agent graph end to end with the mock backend and the real sandbox."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agent.checks import Diagnoser
from agent.cli import main
from agent.graph import AgentContext, cluster_attempts, solve
from agent.llm import MockLLM
from agent.types import AgentStatus, AttemptKind, Problem
from solvers import SandboxPool

PROBLEM = (
    "A workshop makes chairs and tables. A chair earns $30 and takes 2 hours of carpentry; a table earns $50 and "
    "takes 4 hours. There are 40 carpentry hours and at most 8 tables can be sold. How many of each should it make "
    "to maximize profit?"
)

FORMULATION = """## Sets
- none
## Parameters
- profit: chair 30, table 50; hours: chair 2, table 4; capacity 40; table demand 8
## Decision variables
- c: chairs made, integer >= 0
- t: tables made, integer >= 0
## Objective
- maximize 30 c + 50 t
## Constraints
- carpentry: 2 c + 4 t <= 40
- demand: t <= 8
"""


def program(body: str) -> str:
    return f"Here is the program.\n\n```python\n{body.strip()}\n```\n"


SYNTAX_ERROR = program(
    """
import pyomo.environ as pyo
m = pyo.ConcreteModel(
m.c = pyo.Var(domain=pyo.NonNegativeIntegers)
"""
)

INFEASIBLE = program(
    """
import pyomo.environ as pyo
m = pyo.ConcreteModel()
m.c = pyo.Var(domain=pyo.NonNegativeIntegers)
m.t = pyo.Var(domain=pyo.NonNegativeIntegers)
m.carpentry = pyo.Constraint(expr=2 * m.c + 4 * m.t <= 40)
m.demand = pyo.Constraint(expr=m.t <= 8)
m.minimum_tables = pyo.Constraint(expr=m.t >= 12)
m.obj = pyo.Objective(expr=30 * m.c + 50 * m.t, sense=pyo.maximize)
result = pyo.SolverFactory("appsi_highs").solve(m, load_solutions=False)
print(result.solver.termination_condition)
"""
)


def chairs_tables(extra: str = "", integer: bool = True) -> str:
    domain = "pyo.NonNegativeIntegers" if integer else "pyo.NonNegativeReals"
    return program(
        f"""
import pyomo.environ as pyo
m = pyo.ConcreteModel()
m.c = pyo.Var(domain={domain})
m.t = pyo.Var(domain={domain})
m.carpentry = pyo.Constraint(expr=2 * m.c + 4 * m.t <= 40)
m.demand = pyo.Constraint(expr=m.t <= 8)
{extra}
m.obj = pyo.Objective(expr=30 * m.c + 50 * m.t, sense=pyo.maximize)
pyo.SolverFactory("appsi_highs").solve(m)
print("profit", pyo.value(m.obj))
"""
    )


RIGHT = chairs_tables()  # optimum 600 (20 chairs, 0 tables)
OTHER = chairs_tables("m.chair_cap = pyo.Constraint(expr=m.c <= 10)")  # a different model: 10 chairs + 5 tables


def context(pool: SandboxPool, outputs: list[str], **kwargs: object) -> tuple[AgentContext, MockLLM]:
    llm = MockLLM(outputs)
    ctx = AgentContext(llm=llm, executor=pool, dialect="pyomo", diagnoser=Diagnoser(pool), **kwargs)  # type: ignore[arg-type]
    return ctx, llm


def test_repair_reaches_the_right_answer_and_keeps_every_attempt(pool: SandboxPool) -> None:
    ctx, llm = context(pool, [FORMULATION, SYNTAX_ERROR, INFEASIBLE, RIGHT], max_repairs=2)
    result = asyncio.run(solve(Problem(text=PROBLEM), ctx))
    assert result.status is AgentStatus.SOLVED
    assert [a.kind for a in result.attempts] == [AttemptKind.INITIAL, AttemptKind.REPAIR, AttemptKind.REPAIR]
    assert [a.parent for a in result.attempts] == [None, 0, 1]
    first, second, third = result.attempts
    assert first.run is not None and first.run.outcome.value == "syntax_error"
    assert "SyntaxError" in second.feedback or "syntax" in second.feedback.lower()
    assert second.run is not None and second.run.result is not None
    assert second.run.result.termination.value == "infeasible"
    assert "infeasible" in third.feedback.lower()
    assert "minimum_tables" in third.feedback  # the diagnosis names the conflicting constraint
    assert result.chosen == 2
    answer = result.answer
    assert answer is not None and answer.objective_value == pytest.approx(600.0)
    assert llm.calls == 4
    assert result.usage.calls == 4
    assert result.timings["total"] > 0


def test_repair_budget_is_respected(pool: SandboxPool) -> None:
    ctx, llm = context(pool, [FORMULATION, SYNTAX_ERROR, SYNTAX_ERROR], max_repairs=1)
    result = asyncio.run(solve(Problem(text=PROBLEM), ctx))
    assert result.status is AgentStatus.NO_VALID_MODEL
    assert result.chosen is None and result.confidence == 0.0
    assert len(result.attempts) == 2
    assert llm.calls == 3


def test_a_response_without_code_is_an_attempt_that_failed(pool: SandboxPool) -> None:
    ctx, _ = context(pool, [FORMULATION, "I think the answer is 600.", RIGHT], max_repairs=1)
    result = asyncio.run(solve(Problem(text=PROBLEM), ctx))
    assert result.attempts[0].program is None
    assert result.attempts[0].checks[0].status.value == "fail"
    assert result.status is AgentStatus.SOLVED and result.chosen == 1


def test_self_consistency_picks_the_majority_cluster(pool: SandboxPool) -> None:
    samples = [RIGHT, OTHER, RIGHT, OTHER, RIGHT]
    ctx, llm = context(pool, [FORMULATION, *samples], samples=5, max_repairs=0)
    result = asyncio.run(solve(Problem(text=PROBLEM), ctx))
    assert result.status is AgentStatus.SOLVED
    assert len(result.attempts) == 5
    assert all(a.kind is AttemptKind.SAMPLE for a in result.attempts)
    assert result.clusters[0].size == 3 and result.clusters[1].size == 2
    answer = result.answer
    assert answer is not None and answer.objective_value == pytest.approx(600.0)
    assert result.confidence == pytest.approx(0.6)
    assert llm.calls == 2  # one formulation, one n=5 request


def test_clusters_separate_same_optimum_different_structure(pool: SandboxPool) -> None:
    relaxed = chairs_tables(integer=False)  # same optimum 600, but continuous variables
    ctx, _ = context(pool, [FORMULATION, RIGHT, relaxed], samples=2, max_repairs=0)
    result = asyncio.run(solve(Problem(text=PROBLEM), ctx))
    clusters = cluster_attempts(result.attempts)
    valid = [a for a in result.attempts if a.ok]
    assert len(clusters) == len(valid)  # never merged: the structure differs


def test_cli_solve_with_a_scripted_mock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "responses.json"
    script.write_text(json.dumps([FORMULATION, SYNTAX_ERROR, RIGHT]))
    out = tmp_path / "out"
    code = main(["solve", PROBLEM, "--llm", f"mock/{script}", "--out", str(out), "--max-repairs", "1"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "objective   600" in printed.out
    assert "confidence" in printed.out
    assert (out / "model.py").read_text().startswith("import pyomo")
    assert (out / "formulation.md").exists()
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "solved" and len(result["attempts"]) == 2
    assert (out / "attempts" / "00" / "model.py").exists()
    assert any(p.name.startswith("instance.") for p in out.iterdir())


def test_cli_solve_reports_no_valid_model_with_the_attempts_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "responses.json"
    script.write_text(json.dumps([FORMULATION, SYNTAX_ERROR, SYNTAX_ERROR]))
    out = tmp_path / "out"
    code = main(["solve", PROBLEM, "--llm", f"mock/{script}", "--out", str(out), "--max-repairs", "1"])
    printed = capsys.readouterr()
    assert code == 1
    assert "no valid model after 2 attempt(s)" in printed.out
    assert (out / "attempts" / "01" / "model.py").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["solve", "   "], "empty"),
        (["solve", "What is the capital of France?", "--llm", "mock"], "does not read like an optimization"),
        (["solve", "x" * 100_001, "--llm", "mock"], "limit"),
        (["solve", PROBLEM, "--llm", "nosuch/model"], "nosuch"),
        (["solve", PROBLEM, "--llm", "mock", "--samples", "0"], "--samples"),
    ],
)
def test_cli_solve_rejects_bad_input_clearly(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_solve_takes_the_llm_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPTAGENT_LLM", "nosuch/model")
    assert main(["solve", PROBLEM]) == 2
    assert "nosuch" in capsys.readouterr().err


def test_cli_solve_reports_an_unreachable_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["solve", PROBLEM, "--llm", "openai/some-model", "--base-url", "http://127.0.0.1:9/v1"])
    err = capsys.readouterr().err
    assert code == 4
    assert "127.0.0.1:9" in err and "Traceback" not in err

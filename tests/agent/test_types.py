"""The agent's data types: frozen, JSON round trip through the solver layer's encoder, light to import."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from agent.types import (
    AgentResult,
    AgentStatus,
    Attempt,
    AttemptKind,
    Check,
    CheckStatus,
    Cluster,
    Constraint,
    Formulation,
    Objective,
    Problem,
    Symbol,
    Table,
    TokenUsage,
    Variable,
    VarType,
)
from solvers import (
    Certification,
    CodeRun,
    ModelProgram,
    ModelStats,
    ObjectiveSense,
    RunOutcome,
    SolveResult,
    Termination,
)

PROGRAM = ModelProgram.from_source("import highspy\nh = highspy.Highs()\nh.run()\n")


def _run(objective: float = 21.0) -> CodeRun:
    result = SolveResult(
        termination=Termination.OPTIMAL,
        raw_status="kOptimal",
        sense=ObjectiveSense.MAXIMIZE,
        objective_value=objective,
        variable_values={"x": 3.0, "y": 1.5},
        stats=ModelStats(variables=2, continuous=2, constraints=4, nonzeros=7, linear_constraints=4),
        dialect="highspy",
        solver="highs",
        certification=Certification(certified=True, status_agrees=True, objective_agrees=True, detail="ok"),
    )
    return CodeRun(outcome=RunOutcome.OK, stdout="21\n", wall_time_s=0.05, solves=(result,), dialect="highspy")


def _roundtrip(value: object) -> object:
    data = value.to_dict()  # type: ignore[attr-defined]
    text = json.dumps(data, allow_nan=False)  # JSON proper: no NaN/Infinity tokens
    return type(value).from_dict(json.loads(text))  # type: ignore[attr-defined]


def test_problem_with_tables_round_trips() -> None:
    problem = Problem("Ship goods from plants to markets.", (Table("costs", "plant,market,cost\na,n,4\n"),), "x/1")
    assert _roundtrip(problem) == problem
    assert problem.to_dict()["tables"] == [{"name": "costs", "csv": "plant,market,cost\na,n,4\n"}]


def test_formulation_with_parsed_sections_round_trips() -> None:
    formulation = Formulation(
        text="## Variables\n- x: chairs (integer)\n## Objective\nmax 30x + 50y",
        sets=(Symbol("P", "products"),),
        parameters=(Symbol("profit", "profit per unit", "30, 50"),),
        variables=(
            Variable("x", VarType.INTEGER, lower=0.0, description="chairs"),
            Variable("y", VarType.CONTINUOUS, lower=0.0, upper=10.5),
            Variable("open", VarType.BINARY),
        ),
        objective=Objective(ObjectiveSense.MAXIMIZE, "30x + 50y"),
        constraints=(Constraint("labor", "x + y <= 40", "forty hours"),),
    )
    back = _roundtrip(formulation)
    assert back == formulation
    assert isinstance(back, Formulation) and back.variables[0].type is VarType.INTEGER
    assert formulation.to_dict()["variables"][2] == {
        "name": "open",
        "type": "binary",
        "lower": None,
        "upper": None,
        "description": "",
    }


def test_formulation_text_alone_is_enough() -> None:
    formulation = Formulation("whatever the model wrote")
    assert formulation.objective is None and formulation.variables == ()
    assert _roundtrip(formulation) == formulation


def test_agent_result_with_attempts_round_trips() -> None:
    check = Check("sense", CheckStatus.FAIL, "The wording asks to maximize.", {"evidence": ["maximize"], "n": 1.5})
    first = Attempt(
        index=0,
        formulation="## Objective\nmin ...",
        program=PROGRAM,
        run=_run(-21.0),
        checks=(check,),
        completions=("```python\n...\n```",),
    )
    second = Attempt(
        index=1,
        kind=AttemptKind.REPAIR,
        formulation="## Objective\nmax ...",
        program=PROGRAM,
        run=_run(),
        checks=(Check("sense", CheckStatus.PASS, "ok"),),
        feedback="[FAIL: sense] The wording asks to maximize.",
        completions=("a", "b"),
        parent=0,
    )
    no_code = Attempt(index=2, kind=AttemptKind.SAMPLE, completions=("I cannot help with that.",))
    result = AgentResult(
        status=AgentStatus.SOLVED,
        attempts=(first, second, no_code),
        chosen=1,
        confidence=2 / 3,
        clusters=(Cluster("optimal|maximize|21", (1,), Termination.OPTIMAL, 21.0), Cluster("none", (2,))),
        usage=TokenUsage(prompt_tokens=1200, completion_tokens=300, calls=3),
        timings={"formulate": 1.25, "execute": 0.1, "total": float("inf")},
        problem_id="x/1",
    )
    back = _roundtrip(result)
    assert isinstance(back, AgentResult)
    assert back.attempts == result.attempts
    assert back.attempts[1].run is not None and back.attempts[1].run.result is not None
    assert back.attempts[1].run.result.certification == result.attempts[1].run.result.certification  # type: ignore[union-attr]
    assert back.timings["total"] == float("inf")
    assert back.answer is not None and back.answer.index == 1 and back.answer.objective_value == 21.0
    assert back.clusters[0].size == 1 and back.usage.total_tokens == 1500
    assert first.ok is False and second.ok is True and no_code.ok is False
    assert no_code.termination is None and second.termination is Termination.OPTIMAL


def test_no_valid_model_result() -> None:
    attempt = Attempt(0, run=CodeRun(outcome=RunOutcome.SYNTAX_ERROR, error="SyntaxError: ..."))
    result = AgentResult(AgentStatus.NO_VALID_MODEL, (attempt,))
    assert result.answer is None and result.chosen is None and result.confidence == 0.0
    assert _roundtrip(result) == result


@pytest.mark.parametrize("confidence", [-0.1, 1.01, float("nan")])
def test_confidence_must_lie_in_unit_interval(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        AgentResult(AgentStatus.SOLVED, confidence=confidence)
    data = AgentResult(AgentStatus.SOLVED).to_dict() | {"confidence": confidence}
    with pytest.raises(ValueError, match="confidence"):
        AgentResult.from_dict(data)


def test_chosen_must_be_an_attempt() -> None:
    with pytest.raises(ValueError, match="chosen attempt 3"):
        AgentResult(AgentStatus.SOLVED, (Attempt(0),), chosen=3)


def test_off_contract_data_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="status"):
        Check.from_dict({"name": "x", "status": "great"})
    with pytest.raises(ValueError, match="type"):
        Variable.from_dict({"name": "x", "type": "real"})


def test_types_are_frozen() -> None:
    check = Check("execution", CheckStatus.PASS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.status = CheckStatus.FAIL  # type: ignore[misc]
    assert check.actionable is False
    assert Check("x", CheckStatus.WARN).actionable and Check("x", CheckStatus.FAIL).failed


def test_token_usage_adds_up() -> None:
    total = TokenUsage(10, 5, 1) + TokenUsage(1, 2, 1)
    assert total == TokenUsage(11, 7, 2) and total.total_tokens == 18


def test_importing_types_loads_no_graph_or_llm_sdk() -> None:
    code = (
        "import sys, agent.types\n"
        "heavy = ('langgraph', 'langchain', 'openai', 'vllm', 'torch', 'transformers', 'anthropic')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

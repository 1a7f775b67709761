"""Prompts and prompt profiles: content, layout, and the round trip through the response parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.parsing import FORMULATION_SECTIONS, ResponseFormat, parse_response, render_optagent_response
from agent.prompts import (
    _SECTION_HINTS,
    DIALECT_GUIDES,
    DIALECTS,
    FORMULATION_TEMPLATE,
    PROFILES,
    SYSTEM_PROMPT,
    Messages,
    PromptProfile,
    dialect_name,
    formulation_messages,
    has_tabular_data,
    load_profile,
    program_messages,
    repair_messages,
    single_shot_messages,
)
from solvers import Dialect, UnknownDialectError

F = "```"

PROBLEM = (
    "A bakery makes cakes and pies. A cake earns $5 and uses 2 eggs; a pie earns $4 and uses 1 egg.\n"
    "There are 100 eggs. How many of each should it bake to maximize profit?  (Trailing spaces stay.)  "
)
TABLE_PROBLEM = (
    "A plant ships from two warehouses to three stores at minimum cost.\n\n"
    "| from \\ to | S1 | S2 | S3 |\n|---|---|---|---|\n| W1 | 4 | 6 | 9 |\n| W2 | 5 | 3 | 8 |\n\n"
    "Supplies are 50 and 60 units; demands are 30, 40 and 40."
)
FORMULATION = "### Sets\nNone\n\n### Decision variables\nc, p >= 0 integer\n\n### Objective\nmaximize 5c + 4p"
PROGRAM = """\
import pyomo.environ as pyo

m = pyo.ConcreteModel()
m.c = pyo.Var(within=pyo.NonNegativeIntegers)
m.p = pyo.Var(within=pyo.NonNegativeIntegers)
m.obj = pyo.Objective(expr=5 * m.c + 4 * m.p, sense=pyo.maximize)
m.eggs = pyo.Constraint(expr=2 * m.c + m.p <= 100)
results = pyo.SolverFactory("highs").solve(m)
print("status:", results.solver.termination_condition)
print("objective:", pyo.value(m.obj))"""


def contents(messages: Messages) -> str:
    return "\n".join(m["content"] for m in messages)


def well_formed(messages: Messages) -> None:
    assert messages and all(set(m) == {"role", "content"} for m in messages)
    assert all(isinstance(m["content"], str) and m["content"] for m in messages)
    assert messages[-1]["role"] == "user"
    assert all(m["role"] in ("system", "user", "assistant") for m in messages)


# -- our builders -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_builder_keeps_the_problem_verbatim_and_names_the_dialect(dialect: str) -> None:
    built = [
        formulation_messages(PROBLEM, dialect),
        program_messages(PROBLEM, FORMULATION, dialect, data_separate=False),
        repair_messages(PROBLEM, FORMULATION, PROGRAM, "objective 0 with every variable at zero", dialect=dialect),
        single_shot_messages(PROBLEM, dialect),
    ]
    for messages in built:
        well_formed(messages)
        assert messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
        text = contents(messages)
        assert PROBLEM in text
        assert f"`{dialect}`" in text
    for messages in built[1:]:
        assert DIALECT_GUIDES[dialect] in contents(messages)


def test_dialect_names_and_aliases() -> None:
    assert dialect_name(Dialect.PYSCIPOPT) == "pyscipopt"
    assert dialect_name(" HiGHS ") == "highspy"
    assert [dialect_name(n) for n in ("gurobi", "copt", "cp-sat")] == ["gurobipy", "coptpy", "ortools"]
    with pytest.raises(UnknownDialectError, match="choose one of"):
        formulation_messages(PROBLEM, "excel-solver")


def test_guides_give_the_solver_choices_that_matter() -> None:
    assert 'SolverFactory("highs")' in DIALECT_GUIDES["pyomo"] and "appsi_highs" in DIALECT_GUIDES["pyomo"]
    for solver in ("cp.HIGHS", "cp.CLARABEL", "cp.SCIP", "OSQP"):
        assert solver in DIALECT_GUIDES["cvxpy"]
    assert "GLOP" in DIALECT_GUIDES["ortools"] and "integrality" in DIALECT_GUIDES["ortools"]
    assert "model.solve()" not in DIALECT_GUIDES["coptpy"] and "m.solve()" in DIALECT_GUIDES["coptpy"]


def test_formulation_prompt_asks_for_the_structured_parts_without_code() -> None:
    text = contents(formulation_messages(PROBLEM, "pyomo"))
    assert FORMULATION_TEMPLATE in text
    for _, heading in FORMULATION_SECTIONS:
        assert heading in text
    assert "no code" in text
    assert "integer" in text and "binary" in text and "minimize" in text  # types and the objective's sense


def test_insights_are_included_only_when_given() -> None:
    insight = "When a problem counts vehicles, declare them integer.\nExample: trucks >= 0, integer."
    with_insight = contents(formulation_messages(PROBLEM, "cvxpy", insights=[insight, "  "]))
    assert "When a problem counts vehicles, declare them integer." in with_insight
    assert "Lessons" not in contents(formulation_messages(PROBLEM, "cvxpy"))
    assert "declare them integer" in contents(program_messages(PROBLEM, FORMULATION, "cvxpy", False, [insight]))


def test_program_prompt_requires_solving_and_reporting() -> None:
    text = contents(program_messages(PROBLEM, FORMULATION, "highspy", data_separate=False))
    assert FORMULATION in text
    assert "`status:`" in text and "`objective:`" in text
    assert "Never print an objective that did not come from the solver" in text
    assert "DATA" not in text


def test_data_separation_for_tables() -> None:
    assert has_tabular_data(TABLE_PROBLEM)
    assert not has_tabular_data(PROBLEM)
    assert has_tabular_data("costs:\n1\t2\t3\n4\t5\t6\n7\t8\t9")
    assert has_tabular_data("rows:\n3 5 7 9\n2 4 6 8\n1 1 2 3\n")
    separate = contents(program_messages(TABLE_PROBLEM, FORMULATION, "gurobipy", data_separate=True))
    assert "dictionary literal named `DATA`" in separate
    assert "named `DATA`" in contents(single_shot_messages(TABLE_PROBLEM, "pyomo"))  # decided from the text
    assert "named `DATA`" not in contents(single_shot_messages(TABLE_PROBLEM, "pyomo", data_separate=False))


def test_repair_prompt_carries_program_and_feedback() -> None:
    program = PROGRAM + '\nNOTE = """\n```\nnot a fence end\n```\n"""'
    feedback = "Infeasible. Irreducible infeasible subset: eggs, min_cakes (2c + p <= 100, c >= 60)."
    messages = repair_messages(PROBLEM, None, program, feedback)
    text = contents(messages)
    assert program in text and feedback in text
    assert "The program (pyomo):" in text  # dialect detected from the imports
    assert f"````python\n{program}\n````" in text  # a longer fence than the program's own backticks
    assert "<formulation>" not in text
    assert "Implement the formulation exactly" not in text
    assert "## Diagnosis" in text and "## Program" in text
    assert "(gurobipy)" in contents(repair_messages(PROBLEM, FORMULATION, "import gurobipy as gp\n", "x"))


# -- round trips: replies in the layout each prompt asks for parse back into the same pieces -----------------------


def test_round_trip_formulation_reply() -> None:
    filled = FORMULATION_TEMPLATE
    for key, _ in FORMULATION_SECTIONS:
        filled = filled.replace(_SECTION_HINTS[key], f"the {key} of the bakery model")
    r = parse_response(filled)
    assert r.format == ResponseFormat.OPTAGENT
    assert r.code is None
    assert r.sections() == {key: f"the {key} of the bakery model" for key, _ in FORMULATION_SECTIONS}


def test_round_trip_program_reply() -> None:
    r = parse_response(f"## Program\n\n{F}python\n{PROGRAM}\n{F}\n")
    assert (r.format, r.code, r.formulation, r.warnings) == (ResponseFormat.OPTAGENT, PROGRAM, None, ())


def test_round_trip_single_shot_and_repair_replies() -> None:
    single = parse_response(render_optagent_response(FORMULATION, PROGRAM))
    assert (single.format, single.formulation, single.code) == (ResponseFormat.OPTAGENT, FORMULATION, PROGRAM)
    repair = parse_response(
        "## Diagnosis\nThe egg limit was written as >=.\n\n" + render_optagent_response(FORMULATION, PROGRAM)
    )
    assert (repair.formulation, repair.code) == (FORMULATION, PROGRAM)
    program_only = parse_response("## Diagnosis\nA typo.\n\n" + render_optagent_response(None, PROGRAM))
    assert (program_only.formulation, program_only.code) == (None, PROGRAM)


# -- profiles -----------------------------------------------------------------------------------------------------


def test_profiles_registry() -> None:
    assert set(PROFILES) == {"sirl", "orlm", "llmopt"}
    dialects = {name: p.dialect for name, p in PROFILES.items()}
    assert dialects == {"sirl": "gurobipy", "orlm": "coptpy", "llmopt": "pyomo"}
    for name, profile in PROFILES.items():
        assert profile.name == name and profile.response_format == ResponseFormat(name)
        assert "ANCHORS.md" in profile.source
        messages = profile.build(PROBLEM)
        well_formed(messages)
        assert PROBLEM.strip() in contents(messages)


def test_sirl_profile_layout() -> None:
    messages = PROFILES["sirl"].build(PROBLEM)
    assert [m["role"] for m in messages] == ["system", "user"]
    system = messages[0]["content"]
    positions = [system.index(tag) for tag in ("<think>", "<model>", "<python>")]
    assert positions == sorted(positions)
    for part in ("Sets", "Parameters", "Decision Variables", "Objective Function", "Constraints", "gurobipy"):
        assert part in system
    assert PROBLEM in messages[1]["content"] and "step by step" in messages[1]["content"]
    assert PROFILES["sirl"].decoding["temperature"] == 0.5


def test_orlm_profile_is_a_raw_prompt() -> None:
    profile = PROFILES["orlm"]
    assert profile.chat is False
    prompt = profile.completion_prompt(f"\n  {PROBLEM}\n")
    assert prompt.endswith(f"# Question:\n{PROBLEM.strip()}\n\n# Response:")
    assert "`coptpy`" in prompt.split("# Question:")[0]
    assert profile.decoding["temperature"] == 0.0
    with pytest.raises(ValueError, match="chat profile"):
        PROFILES["sirl"].completion_prompt(PROBLEM)


def test_llmopt_profile_two_requests() -> None:
    profile = PROFILES["llmopt"]
    first = contents(profile.build(PROBLEM))
    for heading in ("## Sets:", "## Parameters:", "## Variables:", "## Objective:", "## Constraints:"):
        assert heading in first
    assert f"{F}\n{PROBLEM}\n{F}" in first
    assert profile.build_program is not None
    second = contents(profile.build_program(PROBLEM, "## Sets:\nNone"))
    assert "## Sets:\nNone" in second and "from pyomo.environ import *" in second and f"{F}python" in second
    assert PROFILES["sirl"].build_program is None


SIRL_REPLY = f"""<think>
Cakes and pies are counted, so both are integers; eggs limit production.
</think>
<model>
Sets: none. Parameters: profit 5 and 4, eggs 2 and 1, 100 eggs.
Decision Variables: c, p >= 0 integer. Objective Function: max 5c + 4p. Constraints: 2c + p <= 100.
</model>
<python>
{F}python
import gurobipy as gp
from gurobipy import GRB
m = gp.Model()
c = m.addVar(vtype=GRB.INTEGER)
p = m.addVar(vtype=GRB.INTEGER)
m.setObjective(5 * c + 4 * p, GRB.MAXIMIZE)
m.addConstr(2 * c + p <= 100)
m.optimize()
{F}
</python>"""

ORLM_REPLY = f"""## Mathematical Model:
### Decision Variables:
- \\(c\\): cakes, \\(p\\): pies
### Objective Function:
- Maximize profit: \\(Z = 5c + 4p\\)
### Constraints:
1. Eggs: \\(2c + p \\leq 100\\)

## Python Code Solution Using `coptpy`:
{F}python
import coptpy as cp
from coptpy import COPT
env = cp.Envr()
model = env.createModel("bakery")
c = model.addVar(vtype=COPT.INTEGER)
p = model.addVar(vtype=COPT.INTEGER)
model.setObjective(5 * c + 4 * p, sense=COPT.MAXIMIZE)
model.addConstr(2 * c + p <= 100)
model.solve()
{F}"""

LLMOPT_FIVE = (
    "## Sets:\nNone\n\n## Parameters:\n$a=5$\n\n## Variables:\n$c, p$\n\n"
    "## Objective:\n$\\max 5c+4p$\n\n## Constraints:\n$2c+p \\le 100$"
)
LLMOPT_REPLY = f"{F}\n{LLMOPT_FIVE}\n{F}"


@pytest.mark.parametrize(("name", "reply"), [("sirl", SIRL_REPLY), ("orlm", ORLM_REPLY), ("llmopt", LLMOPT_REPLY)])
def test_profile_replies_parse_as_the_profile_format(name: str, reply: str) -> None:
    r = parse_response(reply)
    assert r.format == PROFILES[name].response_format
    assert r.formulation
    if name != "llmopt":  # LLMOPT's first request asks for the five elements only
        assert r.code is not None and r.code.startswith("import") and r.warnings == ()
        assert PROFILES[name].dialect in r.code
    else:
        assert r.formulation == LLMOPT_FIVE


def test_profile_text_is_our_own() -> None:
    everything = "\n".join(contents(p.build("Q")) for p in PROFILES.values())
    llmopt_program = PROFILES["llmopt"].build_program
    assert llmopt_program is not None
    everything += contents(llmopt_program("Q", "F"))
    for anchor_phrase in ("mathmetical", "Below is an operations research question", "You need to fill in"):
        assert anchor_phrase not in everything


def test_with_template_sends_exact_text(tmp_path: Path) -> None:
    sirl = PROFILES["sirl"].with_template(system="EXACT SYSTEM", user="Solve:\n{question}\nGo.")
    assert sirl.build("Q1") == [
        {"role": "system", "content": "EXACT SYSTEM"},
        {"role": "user", "content": "Solve:\nQ1\nGo."},
    ]
    orlm = PROFILES["orlm"].with_template(user="\nInstruction.\n\n# Question:\n{Question}\n\n# Response:\n")
    assert orlm.completion_prompt("  Q2 \n") == "Instruction.\n\n# Question:\nQ2\n\n# Response:"
    with pytest.raises(ValueError, match="placeholder"):
        PROFILES["sirl"].with_template(user="no placeholder")
    with pytest.raises(ValueError, match="no system message"):
        PROFILES["orlm"].with_template(system="S")

    (tmp_path / "sirl.json").write_text(json.dumps({"system": "S", "user": "{question}!"}))
    assert load_profile("sirl", tmp_path / "sirl.json").build("Q") == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "Q!"},
    ]
    (tmp_path / "orlm.txt").write_text("Do it.\n# Question:\n{Question}\n# Response:")
    assert load_profile("ORLM", tmp_path / "orlm.txt").completion_prompt("Q") == "Do it.\n# Question:\nQ\n# Response:"
    (tmp_path / "system.txt").write_text("Only a system message.")
    assert load_profile("sirl", tmp_path / "system.txt").build("Q")[0]["content"] == "Only a system message."
    assert load_profile("llmopt") is PROFILES["llmopt"]
    with pytest.raises(ValueError, match="unknown prompt profile"):
        load_profile("optmath")
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        load_profile("sirl", tmp_path / "bad.json")


def test_profile_is_a_frozen_value() -> None:
    profile = PROFILES["sirl"]
    assert isinstance(profile, PromptProfile)
    with pytest.raises(AttributeError):
        profile.name = "other"  # type: ignore[misc]

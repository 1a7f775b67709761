"""Solver-informed checks: real model programs through the sandbox, and the wording and formatting helpers."""

from __future__ import annotations

import dataclasses
import json

import pytest

from agent.checks import (
    CHECKS,
    FEEDBACK_ORDER,
    count_cues,
    run_checks,
    summarize_feedback,
    trim_traceback,
    wording_sense,
)
from agent.diagnosis import Diagnoser, parse_output
from agent.types import Check, CheckStatus, Problem
from solvers import (
    Certification,
    CodeRun,
    ModelProgram,
    ModelStats,
    ObjectiveSense,
    RunOutcome,
    SandboxPool,
    SolveResult,
    Termination,
)

HEAD = "import pyomo.environ as pyo\n\nm = pyo.ConcreteModel()\n"
SOLVE = "\nresults = pyo.SolverFactory('appsi_highs').solve(m, load_solutions=False)\nprint(results.solver)\n"
SOLVE_AND_LOAD = "\npyo.SolverFactory('appsi_highs').solve(m)\nprint(pyo.value(m.obj))\n"

PRODUCTION_TEXT = (
    "A workshop makes chairs and tables and wants to maximize its profit (30 per chair, 50 per table). "
    "It has 300 units of wood (4 per chair, 6 per table) and labor for at most 40 items. A contract requires "
    "at least 50 items, and at least 5 of them must be tables."
)
INFEASIBLE_PRODUCTION = (
    HEAD
    + """m.chairs = pyo.Var(domain=pyo.NonNegativeReals)
m.tables = pyo.Var(domain=pyo.NonNegativeReals)
m.wood = pyo.Constraint(expr=4 * m.chairs + 6 * m.tables <= 300)
m.labor = pyo.Constraint(expr=m.chairs + m.tables <= 40)
m.contract = pyo.Constraint(expr=m.chairs + m.tables >= 50)
m.min_tables = pyo.Constraint(expr=m.tables >= 5)
m.obj = pyo.Objective(expr=30 * m.chairs + 50 * m.tables, sense=pyo.maximize)
"""
    + SOLVE
)

UNBOUNDED_TEXT = (
    "Maximize the profit from chairs (3 each) and tables (2 each). Wood limits chairs to 10 and tables to 8."
)
UNBOUNDED = (
    HEAD
    + """m.chairs = pyo.Var(domain=pyo.NonNegativeReals)
m.tables = pyo.Var(domain=pyo.NonNegativeReals)
m.wood = pyo.Constraint(expr=m.chairs <= 10)
m.obj = pyo.Objective(expr=3 * m.chairs + 2 * m.tables, sense=pyo.maximize)
"""
    + SOLVE
)

FLEET_TEXT = (
    "A logistics company must decide how many trucks and vans to buy. A truck carries 10 tons and costs 40; a van "
    "carries 6 tons and costs 30. At least 95 tons must be carried each day. Minimize the total cost."
)
FLEET_CONTINUOUS = (
    HEAD
    + """m.trucks = pyo.Var(domain=pyo.NonNegativeReals)
m.vans = pyo.Var(domain=pyo.NonNegativeReals)
m.carry = pyo.Constraint(expr=10 * m.trucks + 6 * m.vans >= 95)
m.obj = pyo.Objective(expr=40 * m.trucks + 30 * m.vans, sense=pyo.minimize)
"""
    + SOLVE_AND_LOAD
)

PAINT_TEXT = (
    "A paint company mixes exterior and interior paint from two raw materials. Exterior paint earns 5 (thousand "
    "dollars) per ton and interior paint 4 per ton. Material M1: 6 and 4 tons per ton of paint, 24 tons available; "
    "M2: 1 and 2 tons, 6 available. Interior output may exceed exterior by at most 1 ton and is at most 2 tons. "
    "Maximize the total daily profit."
)
PAINT = (
    HEAD
    + """m.x = pyo.Var(domain=pyo.NonNegativeReals)
m.y = pyo.Var(domain=pyo.NonNegativeReals)
m.m1 = pyo.Constraint(expr=6 * m.x + 4 * m.y <= 24)
m.m2 = pyo.Constraint(expr=m.x + 2 * m.y <= 6)
m.mix = pyo.Constraint(expr=m.y - m.x <= 1)
m.cap = pyo.Constraint(expr=m.y <= 2)
m.obj = pyo.Objective(expr=5 * m.x + 4 * m.y, sense=pyo.{sense})
"""
    + SOLVE_AND_LOAD
)

FEED_TEXT = "A farm buys corn (2 per kg) and soy (3 per kg) for its cattle. Minimize the total cost of the feed."
FEED_WITHOUT_DEMAND = (
    HEAD
    + """m.corn = pyo.Var(domain=pyo.NonNegativeReals)
m.soy = pyo.Var(domain=pyo.NonNegativeReals)
m.storage = pyo.Constraint(expr=m.corn + m.soy <= 100)
m.obj = pyo.Objective(expr=2 * m.corn + 3 * m.soy, sense=pyo.minimize)
"""
    + SOLVE_AND_LOAD
)


@pytest.fixture(scope="module")
def diagnoser(pool: SandboxPool) -> Diagnoser:
    return Diagnoser(pool, time_limit_s=20)


def _statuses(checks: list[Check]) -> dict[str, CheckStatus]:
    return {check.name: check.status for check in checks}


def _by_name(checks: list[Check], name: str) -> Check:
    return next(check for check in checks if check.name == name)


# -- real programs through the sandbox -------------------------------------------------------------------------------


def test_infeasible_production_names_the_two_conflicting_constraints(pool: SandboxPool, diagnoser: Diagnoser) -> None:
    run = pool.run(ModelProgram.from_source(INFEASIBLE_PRODUCTION))
    assert run.result is not None and run.result.termination is Termination.INFEASIBLE
    checks = run_checks(Problem(PRODUCTION_TEXT), run, diagnose=diagnoser)
    infeasible = _by_name(checks, "infeasible")
    assert infeasible.status is CheckStatus.FAIL
    data = infeasible.details["diagnosis"]  # the diagnosis travels as a plain dict
    assert data["method"] == "iis"
    assert {row["name"] for row in data["rows"]} == {"labor", "contract"}  # wood and min_tables are not in it
    assert {row["side"] for row in data["rows"]} == {"upper", "lower"}
    assert data["total_violation"] == pytest.approx(10.0)
    assert "labor: chairs + tables <= 40" in infeasible.message
    assert "contract: chairs + tables >= 50" in infeasible.message
    assert "wood" not in infeasible.message.split("relaxation")[0]
    assert _statuses(checks)["execution"] is CheckStatus.PASS
    assert _statuses(checks)["unbounded"] is CheckStatus.SKIP
    assert summarize_feedback(checks).startswith("[FAIL: infeasible]")


def test_infeasible_mip_gets_the_iis_of_its_lp_relaxation(pool: SandboxPool, diagnoser: Diagnoser) -> None:
    source = INFEASIBLE_PRODUCTION.replace("NonNegativeReals", "NonNegativeIntegers")
    run = pool.run(ModelProgram.from_source(source))
    assert run.result is not None and run.result.stats.integer == 2
    check = _by_name(run_checks(Problem(PRODUCTION_TEXT), run, diagnose=diagnoser), "infeasible")
    assert check.details["diagnosis"]["method"] == "iis_lp_relaxation"
    assert {row["name"] for row in check.details["diagnosis"]["rows"]} == {"labor", "contract"}
    assert "irreducible infeasible subset of the LP relaxation" in check.message


def test_integer_infeasibility_falls_back_to_a_relaxation_diagnosis(pool: SandboxPool, diagnoser: Diagnoser) -> None:
    source = (
        HEAD
        + "m.crates = pyo.Var(domain=pyo.NonNegativeIntegers)\n"
        + "m.fill = pyo.Constraint(expr=2 * m.crates == 7)\n"
        + "m.other = pyo.Constraint(expr=m.crates <= 100)\n"
        + "m.obj = pyo.Objective(expr=m.crates)\n"
        + SOLVE
    )
    run = pool.run(ModelProgram.from_source(source))
    assert run.result is not None
    diagnosis = diagnoser.diagnose(run.result, mode="infeasible")
    assert diagnosis.status == "infeasible" and diagnosis.method == "relaxation"
    assert [row.name for row in diagnosis.relaxation] == ["fill"]
    assert diagnosis.relaxation[0].violation == pytest.approx(1.0)
    assert any("integrality" in note for note in diagnosis.notes)
    check = _by_name(run_checks(Problem("Fill 7 kg with 2 kg crates."), run, diagnose=diagnoser), "infeasible")
    assert check.status is CheckStatus.FAIL and "fill: 2 crates == 7" in check.message
    assert "conflict involves integrality" in check.message


def test_contradictory_bounds_are_named(pool: SandboxPool, diagnoser: Diagnoser) -> None:
    source = HEAD + "m.robots = pyo.Var(domain=pyo.Integers, bounds=(0.2, 0.8))\nm.obj = pyo.Objective(expr=m.robots)\n"
    run = pool.run(ModelProgram.from_source(source + SOLVE))
    assert run.result is not None
    diagnosis = diagnoser.diagnose(run.result, mode="infeasible")
    assert diagnosis.method == "bounds" and [c.name for c in diagnosis.columns] == ["robots"]


def test_unbounded_model_names_the_unbounded_variable(pool: SandboxPool, diagnoser: Diagnoser) -> None:
    run = pool.run(ModelProgram.from_source(UNBOUNDED))
    assert run.result is not None and run.result.termination is Termination.UNBOUNDED
    checks = run_checks(Problem(UNBOUNDED_TEXT), run, diagnose=diagnoser)
    unbounded = _by_name(checks, "unbounded")
    assert unbounded.status is CheckStatus.FAIL
    columns = unbounded.details["diagnosis"]["unbounded"]
    assert [(c["name"], c["direction"], c["missing_bound"]) for c in columns] == [("tables", "increase", True)]
    assert "tables (increases; no upper bound; objective coefficient 2)" in unbounded.message
    assert "sense is wrong" not in unbounded.message  # the wording says maximize, as the model does
    assert _statuses(checks)["infeasible"] is CheckStatus.PASS  # unbounded means feasible
    assert _statuses(checks)["sense"] is CheckStatus.PASS

    # "Infeasible or unbounded" (what presolve often says): the diagnosis decides which from a feasibility solve.
    result = dataclasses.replace(run.result, termination=Termination.INFEASIBLE_OR_UNBOUNDED)
    undecided = dataclasses.replace(run, solves=(result,))
    checks = run_checks(Problem("Minimize the cost of chairs and tables."), undecided, diagnose=diagnoser)
    unbounded = _by_name(checks, "unbounded")
    assert unbounded.status is CheckStatus.FAIL and "tables" in unbounded.message
    assert 'asks to minimize ("Minimize") but the model maximizes' in unbounded.message
    assert _statuses(checks)["infeasible"] is CheckStatus.PASS
    assert _statuses(checks)["sense"] is CheckStatus.FAIL


def test_infeasible_or_unbounded_that_is_infeasible(pool: SandboxPool, diagnoser: Diagnoser) -> None:
    run = pool.run(ModelProgram.from_source(INFEASIBLE_PRODUCTION))
    assert run.result is not None
    undecided = dataclasses.replace(
        run, solves=(dataclasses.replace(run.result, termination=Termination.INFEASIBLE_OR_UNBOUNDED),)
    )
    checks = run_checks(Problem(PRODUCTION_TEXT), undecided, diagnose=diagnoser)
    assert _statuses(checks)["infeasible"] is CheckStatus.FAIL
    assert _statuses(checks)["unbounded"] is CheckStatus.PASS
    assert "labor" in _by_name(checks, "infeasible").message


def test_count_problem_with_continuous_variables_warns(pool: SandboxPool) -> None:
    run = pool.run(ModelProgram.from_source(FLEET_CONTINUOUS))
    assert run.result is not None and run.result.objective_value == pytest.approx(380.0)
    checks = run_checks(Problem(FLEET_TEXT), run)
    integrality = _by_name(checks, "integrality")
    assert integrality.status is CheckStatus.WARN
    assert "trucks = 9.5" in integrality.message and '"how many"' in integrality.message
    assert integrality.details["fractional"] == {"trucks": pytest.approx(9.5)}
    assert _statuses(checks)["sense"] is CheckStatus.PASS
    assert _statuses(checks)["certification"] is CheckStatus.PASS

    integer = FLEET_CONTINUOUS.replace("NonNegativeReals", "NonNegativeIntegers")
    checks = run_checks(Problem(FLEET_TEXT), pool.run(ModelProgram.from_source(integer)))
    assert _statuses(checks)["integrality"] is CheckStatus.PASS


def test_wrong_sense_fails_and_the_all_zero_optimum_warns(pool: SandboxPool) -> None:
    run = pool.run(ModelProgram.from_source(PAINT.format(sense="minimize")))
    checks = run_checks(Problem(PAINT_TEXT), run)
    sense = _by_name(checks, "sense")
    assert sense.status is CheckStatus.FAIL
    assert sense.details == {"model_sense": "minimize", "wording_sense": "maximize", "evidence": ["Maximize"]}
    assert "asks to maximize" in sense.message and "model minimizes" in sense.message
    assert _statuses(checks)["trivial"] is CheckStatus.WARN
    feedback = summarize_feedback(checks)
    assert feedback.index("[FAIL: sense]") < feedback.index("[WARN: trivial]")


def test_all_zero_answer_warns(pool: SandboxPool) -> None:
    run = pool.run(ModelProgram.from_source(FEED_WITHOUT_DEMAND))
    checks = run_checks(Problem(FEED_TEXT), run)
    trivial = _by_name(checks, "trivial")
    assert trivial.status is CheckStatus.WARN and trivial.details["all_zero"] is True
    assert "requirement that forces activity" in trivial.message
    assert _statuses(checks)["sense"] is CheckStatus.PASS
    assert _statuses(checks)["integrality"] is CheckStatus.PASS  # kilograms are divisible


def test_runtime_error_reports_the_trimmed_traceback(pool: SandboxPool) -> None:
    source = (
        HEAD
        + "profit = {'chairs': 30, 'tables': 50}\n\n"
        + "def unit_profit(item):\n    return profit[item]\n\n"
        + "m.x = pyo.Var(list(profit), domain=pyo.NonNegativeReals)\n"
        + "m.obj = pyo.Objective(expr=unit_profit('desks') * m.x['chairs'], sense=pyo.maximize)\n"
        + SOLVE_AND_LOAD
    )
    run = pool.run(ModelProgram.from_source(source))
    assert run.outcome is RunOutcome.RUNTIME_ERROR
    checks = run_checks(Problem("Maximize profit."), run)
    execution = checks[0]
    assert execution.name == "execution" and execution.status is CheckStatus.FAIL
    assert "KeyError: 'desks'" in execution.message
    assert 'File "model.py", line 7, in unit_profit' in execution.message
    assert "/run-" not in execution.message  # the sandbox's temporary folder is not part of the message
    assert all(check.status is CheckStatus.SKIP for check in checks[1:])


def test_syntax_error(pool: SandboxPool) -> None:
    run = pool.run(ModelProgram.from_source(HEAD + "m.x = pyo.Var(\n"))
    check = run_checks(Problem("Maximize profit."), run)[0]
    assert check.status is CheckStatus.FAIL and "syntax error" in check.message
    assert "SyntaxError" in check.message and "model.py" in check.message


def test_no_solve_call(pool: SandboxPool) -> None:
    run = pool.run(ModelProgram.from_source("import pyomo.environ as pyo\nprint('Optimal value: 42')\n"))
    assert run.outcome is RunOutcome.NO_SOLVE_CALL
    check = run_checks(Problem("Maximize profit."), run)[0]
    assert check.status is CheckStatus.FAIL
    assert "never called a solver" in check.message and "prints are ignored" in check.message


def test_certified_lp_passes_every_check(pool: SandboxPool, diagnoser: Diagnoser) -> None:
    run = pool.run(ModelProgram.from_source(PAINT.format(sense="maximize")))
    assert run.result is not None and run.result.objective_value == pytest.approx(21.0)
    formulation = "## Variables\nx, y >= 0 (tons, continuous)\n## Objective\nMaximize 5x + 4y\n## Constraints\n..."
    checks = run_checks(Problem(PAINT_TEXT), run, formulation=formulation, diagnose=diagnoser)
    assert [check.name for check in checks] == list(CHECKS)
    assert all(check.status is CheckStatus.PASS for check in checks), [(c.name, c.message) for c in checks]
    assert summarize_feedback(checks) == ""
    json.dumps([check.to_dict() for check in checks], allow_nan=False)  # details are plain JSON


# -- checks on constructed runs (no sandbox needed) ------------------------------------------------------------------


def _solved(
    *,
    termination: Termination = Termination.OPTIMAL,
    sense: ObjectiveSense = ObjectiveSense.MAXIMIZE,
    objective: float | None = 10.0,
    values: dict[str, float] | None = None,
    stats: ModelStats | None = None,
    certification: Certification | None = None,
    **extra: object,
) -> CodeRun:
    result = SolveResult(
        termination=termination,
        raw_status=str(extra.pop("raw_status", "")),
        sense=sense,
        objective_value=objective,
        variable_values={"x": 2.0, "y": 3.0} if values is None else values,
        stats=stats or ModelStats(variables=2, continuous=2, constraints=1, linear_constraints=1),
        certification=certification,
        **extra,  # type: ignore[arg-type]
    )
    return CodeRun(outcome=RunOutcome.OK, solves=(result,))


@pytest.mark.parametrize(
    ("outcome", "error", "expected"),
    [
        (RunOutcome.TIMEOUT, "wall-clock limit of 60 s", "did not finish within the time limit"),
        (RunOutcome.MEMORY_LIMIT, "MemoryError", "ran out of memory"),
        (RunOutcome.SANDBOX_VIOLATION, "network access: socket.connect", "network access: socket.connect"),
    ],
)
def test_run_outcomes_get_specific_instructions(outcome: RunOutcome, error: str, expected: str) -> None:
    check = run_checks(Problem("Maximize profit."), CodeRun(outcome=outcome, error=error, wall_time_s=60.2))[0]
    assert check.status is CheckStatus.FAIL and expected in check.message


@pytest.mark.parametrize(
    ("termination", "status", "expected"),
    [
        (Termination.FEASIBLE, CheckStatus.WARN, "not proven optimal"),
        (Termination.NO_SOLUTION_FOUND, CheckStatus.FAIL, "without finding any feasible solution"),
        (Termination.NUMERICAL_ERROR, CheckStatus.FAIL, "Rescale"),
        (Termination.SOLVER_ERROR, CheckStatus.FAIL, "reported an error"),
        (Termination.UNKNOWN, CheckStatus.FAIL, "without a usable status"),
    ],
)
def test_solver_verdicts_without_an_answer(termination: Termination, status: CheckStatus, expected: str) -> None:
    check = run_checks(Problem("Maximize profit."), _solved(termination=termination, raw_status="kX"))[0]
    assert check.status is status and expected in check.message


def test_without_a_diagnoser_infeasible_still_fails_with_advice() -> None:
    run = _solved(termination=Termination.INFEASIBLE, objective=None, values={})
    check = _by_name(run_checks(Problem("Maximize profit."), run), "infeasible")
    assert check.status is CheckStatus.FAIL
    assert "could not be identified (no diagnoser configured)" in check.message
    assert "direction (<= versus >=)" in check.message


def test_certification_failure_fails_with_its_detail() -> None:
    verdict = Certification(certified=False, status_agrees=True, objective_agrees=False, detail="objective 12 vs 10")
    check = _by_name(run_checks(Problem("Maximize profit."), _solved(certification=verdict)), "certification")
    assert check.status is CheckStatus.FAIL and "objective 12 vs 10" in check.message
    assert check.details["objective_agrees"] is False


def test_certification_absent_is_skipped_with_the_reason() -> None:
    nonlinear = ModelStats(variables=2, continuous=2, nonlinear_constraints=1)
    check = _by_name(run_checks(Problem("Maximize profit."), _solved(stats=nonlinear)), "certification")
    assert check.status is CheckStatus.SKIP and "nlp model" in check.message
    linear = _solved(notes=("export failed: too many columns",))
    check = _by_name(run_checks(Problem("Maximize profit."), linear), "certification")
    assert check.status is CheckStatus.SKIP and "exported no instance (export failed" in check.message


def test_weak_wording_only_warns_and_ambiguous_wording_skips() -> None:
    run = _solved(sense=ObjectiveSense.MINIMIZE)
    weak = _by_name(run_checks(Problem("What is the highest possible profit?"), run), "sense")
    assert weak.status is CheckStatus.WARN
    mixed = _by_name(run_checks(Problem("Maximize profit while minimizing waste."), run), "sense")
    assert mixed.status is CheckStatus.SKIP


def test_formulation_that_the_program_contradicts() -> None:
    run = _solved(sense=ObjectiveSense.MINIMIZE, values={"trucks": 2.5})
    formulation = "## Variables\ntrucks: integer\n## Objective\nMaximize 3 trucks\n## Constraints\nmin demand: ..."
    checks = run_checks(Problem("Plan the fleet."), run, formulation=formulation)
    assert _statuses(checks)["sense"] is CheckStatus.FAIL
    assert "formulation says maximize" in _by_name(checks, "sense").message
    integrality = _by_name(checks, "integrality")
    assert integrality.status is CheckStatus.WARN and "integer variables in the formulation" in integrality.message


def test_whole_numbered_lp_optimum_passes_and_explicit_fractions_pass() -> None:
    whole = run_checks(Problem("How many trucks should we buy?"), _solved(values={"trucks": 4.0}))
    assert _statuses(whole)["integrality"] is CheckStatus.PASS
    fractional = _solved(values={"trucks": 4.5})
    allowed = run_checks(Problem("How many trucks? Fractional amounts are fine: they can be fractional."), fractional)
    assert _statuses(allowed)["integrality"] is CheckStatus.PASS
    plain = run_checks(Problem("Blend 40 kilograms of flour."), fractional)
    assert _statuses(plain)["integrality"] is CheckStatus.PASS


def test_zero_objective_of_a_maximization_warns() -> None:
    run = _solved(objective=0.0, values={"x": 5.0, "y": 0.0})
    check = _by_name(run_checks(Problem("Maximize the profit."), run), "trivial")
    assert check.status is CheckStatus.WARN and "maximized objective is 0" in check.message


# -- wording ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sense", "strong"),
    [
        ("Maximize the total profit.", "maximize", True),
        ("The goal is to minimise costs.", "minimize", True),
        ("Minimize the maximum completion time over all jobs.", "minimize", True),  # "maximum" is not a verb
        ("Maximize the minimum satisfaction of any customer.", "maximize", True),
        ("Maximize profit. The minimum cost of a unit is $5.", "maximize", True),  # strong beats weak
        ("Produce as many chairs as possible.", "maximize", True),
        ("Use as little steel as possible.", "minimize", True),
        ("Meet the demand at least cost.", "minimize", True),
        ("What is the lowest total cost?", "minimize", False),
        ("What is the highest possible profit?", "maximize", False),
        ("Find the maximization of revenue.", "maximize", True),
    ],
)
def test_wording_sense(text: str, sense: str, strong: bool) -> None:
    cue = wording_sense(text)
    assert cue is not None and cue.sense.value == sense and cue.strong is strong


@pytest.mark.parametrize(
    "text",
    [
        "Maximize profit while minimizing waste.",  # two objectives: ambiguous
        "A farmer has 100 acres and at least 3 tractors.",  # "at least 3" is a constraint, not "at least cost"
        "The maximum capacity is 40 hours and at most 5 machines run.",
        "",
    ],
)
def test_wording_sense_is_silent_when_unclear(text: str) -> None:
    assert wording_sense(text) is None


@pytest.mark.parametrize(
    ("text", "cues"),
    [
        ("At most 3 trucks may leave the depot.", ("trucks",)),
        ("How many workers should be hired?", ("how many", "workers")),
        ("the number of buses; a bus seats 40", ("number of", "buses")),
        ("Each order is 12 units of product A.", ("units of",)),
        ("Quantities must be whole numbers.", ("whole numbers",)),
        ("x must be an integer.", ("integer",)),
    ],
)
def test_count_cues(text: str, cues: tuple[str, ...]) -> None:
    assert count_cues(text) == cues


@pytest.mark.parametrize(
    "text",
    [
        "The number of hours of labor is limited.",
        "How many kilograms of flour should be bought?",
        "the number of labor hours available",
        "Machinery costs, itemized; the boxed set; staffing; the wholesale price.",  # no whole-word count noun
        "How many trucks? Amounts can be fractional.",  # explicit permission wins
        "Minimize the cost of 40 tons of steel.",
    ],
)
def test_count_cues_false_positives(text: str) -> None:
    assert count_cues(text) == ()


# -- feedback and tracebacks -----------------------------------------------------------------------------------------


def test_summarize_feedback_orders_and_bounds() -> None:
    checks = [
        Check("trivial", CheckStatus.WARN, "all zero"),
        Check("sense", CheckStatus.FAIL, "wrong sense"),
        Check("certification", CheckStatus.PASS, "fine"),
        Check("integrality", CheckStatus.WARN, "fractional trucks"),
        Check("execution", CheckStatus.FAIL, "boom " * 50),
        Check("infeasible", CheckStatus.SKIP, "n/a"),
    ]
    text = summarize_feedback(checks)
    assert [line.split("]")[0] for line in text.split("\n\n")] == [
        "[FAIL: execution",
        "[FAIL: sense",
        "[WARN: integrality",
        "[WARN: trivial",
    ]
    short = summarize_feedback(checks, max_chars=300)
    assert len(short) <= 300 + 40 and short.startswith("[FAIL: execution]")
    assert short.endswith("more findings omitted)")
    tiny = summarize_feedback(checks, max_chars=80)
    assert tiny.startswith("[FAIL: execution] boom") and "...\n\n(3 more findings omitted)" in tiny
    assert summarize_feedback([Check("x", CheckStatus.PASS)]) == ""
    assert list(FEEDBACK_ORDER) == list(CHECKS)[:3] + ["certification", "sense", "integrality", "trivial"]


def test_trim_traceback_keeps_the_program_frames_and_the_error() -> None:
    library = '  File "/venv/lib/python3.11/site-packages/pyomo/core/base/{0}.py", line {1}, in f{1}\n    stmt{1}\n'
    text = (
        "Traceback (most recent call last):\n"
        '  File "/tmp/run-abc123/model.py", line 3, in <module>\n    build()\n'
        '  File "/tmp/run-abc123/model.py", line 9, in build\n    m.c = pyo.Constraint(rule=rule)\n'
        + "".join(library.format("block", n) for n in range(20))
        + '  File "/tmp/run-abc123/model.py", line 7, in rule\n    return m.x[i] <= cap[i]\n'
        + "".join(library.format("indexed", n) for n in range(30, 33))
        + "KeyError: 'north'\n"
    )
    trimmed = trim_traceback(text)
    assert trimmed.startswith("Traceback (most recent call last):")
    assert trimmed.endswith("KeyError: 'north'")
    assert 'File "model.py", line 9, in build' in trimmed and 'File "model.py", line 7, in rule' in trimmed
    assert 'File "model.py", line 3' not in trimmed  # only the last two program frames
    assert "in f32" in trimmed and "in f5" not in trimmed  # the failing library frame stays, the rest go
    assert "frames omitted" in trimmed and "/tmp/run-" not in trimmed
    assert len(trim_traceback(text + "x" * 5000, max_chars=800)) <= 800


def test_diagnosis_output_parsing_is_defensive() -> None:
    assert parse_output(CodeRun(outcome=RunOutcome.TIMEOUT, error="wall-clock limit")).error.startswith(
        "the diagnosis run ended with timeout"
    )
    line = 'OPTAGENT_DIAGNOSIS {"status": "infeasible", "method": "relaxation", "relaxation": [{"name": "r1"}]}'
    run = CodeRun(outcome=RunOutcome.TIMEOUT, stdout="noise\nOPTAGENT_DIAGNOSIS {broken\n" + line + "\n")
    diagnosis = parse_output(run)
    assert diagnosis.relaxation[0].name == "r1" and "ran out of time" in diagnosis.notes[-1]
    odd = CodeRun(outcome=RunOutcome.OK, stdout='OPTAGENT_DIAGNOSIS {"rows": "not a list"}\n')
    assert "did not fit" in parse_output(odd).error


def test_diagnoser_without_an_instance(pool: SandboxPool) -> None:
    result = SolveResult(termination=Termination.INFEASIBLE)
    assert "exported no instance" in Diagnoser(pool).diagnose(result).error

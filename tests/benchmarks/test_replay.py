"""Replay of recorded model outputs: the published ORLM numbers, re-execution, generic formats, disagreement causes."""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.recorded import (
    RecordedExecution,
    RecordFormat,
    RecordsError,
    anchor_first_block,
    load_recorded,
    parse_answer,
)
from benchmarks.replay import (
    Cause,
    ReplayOptions,
    add_replay_parser,
    classify_disagreement,
    recorded_prediction,
    render_disagreements,
    replay,
    write_run_dir,
)
from benchmarks.types import AnswerStatus, ItemRecord, Prediction, PredictionStatus, RunSpec
from solvers import CodeRun, RunOutcome, SandboxPool, SolveResult, Termination
from solvers.types import ModelStats
from tests.conftest import REPO

DATA = Path(os.environ.get("OPTAGENT_DATA_DIR") or REPO.parent / "shared" / "benchmarks")
ORLM = DATA / "outputs" / "orlm"
needs_orlm = pytest.mark.skipif(not ORLM.is_dir(), reason=f"no recorded ORLM outputs under {ORLM}")

# The published ORLM-LLaMA-3-8B numbers (ORLM README) and the strict re-scoring (ANCHORS §2.5), as item counts.
ORLM_EXPECTED = {
    "NL4OPT": (245, 210, 190),  # 85.7 / 77.6
    "MAMO.ComplexLP": (211, 79, 70),  # 37.4 / 33.2
    "IndustryOR": (100, 38, 35),  # 38.0 / 35.0
}
ORLM_PERCENT = {"NL4OPT": (85.7, 77.6), "MAMO.ComplexLP": (37.4, 33.2), "IndustryOR": (38.0, 35.0)}


def _compat_live() -> bool:
    return (REPO / "solvers" / "compat" / "coptpy.py").is_file()


COPT_PROBE = """
import coptpy as cp
from coptpy import COPT
env = cp.Envr()
model = env.createModel("probe")
x = model.addVar(lb=0, ub=COPT.INFINITY, vtype=COPT.CONTINUOUS, name="x")
y = model.addVar(lb=0, vtype=COPT.INTEGER, name="y")
model.addConstr(x + 2 * y <= 14)
model.addConstr(3 * x - y >= 0)
model.setObjective(3 * x + 4 * y, sense=COPT.MAXIMIZE)
model.solve()
print(f"Just print the best solution: {model.objval}")
"""


@pytest.fixture(scope="module")
def compat_pool(pool: SandboxPool) -> SandboxPool:
    """The session pool, once a coptpy program runs on the compat layer through it (skip until it does)."""
    if not _compat_live():
        pytest.skip("the coptpy compat layer (solvers/compat/coptpy.py) has not landed")
    run = pool.run(COPT_PROBE)
    if not run.ok or run.result is None or run.result.objective_value != pytest.approx(42.0):
        pytest.skip(
            f"coptpy is not routed to the compat layer in the sandbox yet: {run.outcome.value} {run.error[:300]}"
        )
    return pool


@pytest.fixture(autouse=True)
def _data_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if DATA.is_dir():
        monkeypatch.setenv("OPTAGENT_DATA_DIR", str(DATA))
    yield


# -- the recorded numbers --------------------------------------------------------------------------------------------


@needs_orlm
def test_recorded_orlm_numbers_reproduce_exactly() -> None:
    result = replay([ORLM], ReplayOptions(execute=False))
    assert result.spec.kind == "replay"
    by_prefix = {f.label.split(".q2mc_en.")[0]: f for f in result.files}
    assert set(by_prefix) == set(ORLM_EXPECTED)
    for prefix, (items, orlm_pass, strict_pass) in ORLM_EXPECTED.items():
        summary = by_prefix[prefix]
        assert summary.format == "orlm" and summary.items == items
        assert summary.rates["recorded/orlm"] * items / 100 == pytest.approx(orlm_pass)
        assert summary.rates["recorded/strict"] * items / 100 == pytest.approx(strict_pass)
        assert round(summary.rates["recorded/orlm"], 1) == ORLM_PERCENT[prefix][0]
        assert round(summary.rates["recorded/strict"], 1) == ORLM_PERCENT[prefix][1]
        assert summary.no_code == 0 and summary.layouts == {"orlm": items}
    # The 28 IndustryOR rows that failed on COPT's web licence are recognized as such, and only those.
    licence = [r for r in result.records if r.extras.get("recorded", {}).get("licence_failure")]
    assert len(licence) == 28 and {r.suite.split(".")[0] for r in licence} == {"IndustryOR"}


@needs_orlm
def test_recorded_rows_match_their_2024_suite_items() -> None:
    path = next(ORLM.glob("IndustryOR*/executed.jsonl"))
    from benchmarks.suites import load_items

    file = load_recorded(path, suite_items=lambda name: load_items(name, DATA))
    assert file.format is RecordFormat.ORLM and file.suite == "industryor_original"
    matched = [i.suite_item for i in file.items]
    assert all(matched) and len(set(matched)) == len(matched) == 100


def test_recorded_prediction_reads_the_recorded_fields() -> None:
    solved = recorded_prediction(RecordedExecution("1160.0", "Execution Successful and Best Solution Found"))
    assert solved.status is PredictionStatus.SOLVED and solved.objective == 1160.0
    none = recorded_prediction(RecordedExecution("No Best Solution", "Execution Successful but No Best Solution Found"))
    assert none.status is PredictionStatus.INFEASIBLE
    licence = RecordedExecution(None, "Execution Failed: ...", "[INFO] request license from web license server\n")
    assert licence.licence_failure and recorded_prediction(licence).status is PredictionStatus.ERROR
    assert recorded_prediction(RecordedExecution(None, "Execution Failed: Timeout")).status is PredictionStatus.TIMEOUT
    banner = RecordedExecution("7.0", "Execution Successful and Best Solution Found", "checks license for COPT v7.1.2")
    assert not banner.licence_failure  # every ORLM stdout mentions licences; only a failed request counts


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12.5, (12.5, AnswerStatus.OK)),
        ("1,200", (1200.0, AnswerStatus.OK)),
        ("3.5e3", (3500.0, AnswerStatus.OK)),
        ("No Best Solution", (None, AnswerStatus.INFEASIBLE)),
        (-9999, (None, AnswerStatus.INFEASIBLE)),
        (-99999, (None, AnswerStatus.PLACEHOLDER)),
        (None, (None, AnswerStatus.MISSING)),
        ("about forty", (None, AnswerStatus.MISSING)),
        ([7], (7.0, AnswerStatus.OK)),
    ],
)
def test_parse_answer(raw: Any, expected: tuple[float | None, AnswerStatus]) -> None:
    assert parse_answer(raw)[:2] == expected


# -- disagreement classification ---------------------------------------------------------------------------------


def _run(
    outcome: RunOutcome = RunOutcome.OK,
    termination: Termination | None = Termination.OPTIMAL,
    objective: float | None = None,
    error: str = "",
    stats: ModelStats | None = None,
) -> CodeRun:
    solves: tuple[SolveResult, ...] = ()
    if termination is not None:
        solves = (SolveResult(termination=termination, objective_value=objective, stats=stats or ModelStats()),)
    return CodeRun(outcome=outcome, solves=solves, error=error)


def _ours(run: CodeRun) -> Prediction:
    from benchmarks.scoring import prediction_from_run

    return prediction_from_run(run)


SOLVED = RecordedExecution("100.0", "Execution Successful and Best Solution Found")
NO_BEST = RecordedExecution("No Best Solution", "Execution Successful but No Best Solution Found")
LICENCE = RecordedExecution(None, "Execution Failed: x", "2024-05-18 [INFO] request license from web license server")
TIMEOUT = RecordedExecution(None, "Execution Failed: Timeout")
CRASHED = RecordedExecution(None, "Execution Failed: x", "Cardinal Optimizer v7.1.2\nCopyright Cardinal Operations")


@pytest.mark.parametrize(
    ("recorded", "run", "cause"),
    [
        (SOLVED, _run(objective=100.0), None),
        (SOLVED, _run(objective=100.00001), None),  # within the strict tolerance
        (NO_BEST, _run(termination=Termination.INFEASIBLE), None),
        (NO_BEST, _run(termination=Termination.UNBOUNDED), None),  # ORLM's footer prints "No Best Solution" for both
        (CRASHED, _run(RunOutcome.RUNTIME_ERROR, None, error="ZeroDivisionError"), None),  # both failed
        (LICENCE, _run(objective=5.0), Cause.RECORDED_LICENCE),
        (LICENCE, _run(RunOutcome.RUNTIME_ERROR, None, error="KeyError: 3"), Cause.RECORDED_LICENCE),
        (TIMEOUT, _run(objective=5.0), Cause.RECORDED_TIMEOUT),
        (CRASHED, _run(objective=5.0), Cause.RECORDED_FAILED),
        (SOLVED, _run(objective=100.002), Cause.NUMERICAL),
        (SOLVED, _run(objective=120.0), Cause.DIFFERENT_OBJECTIVE),
        (NO_BEST, _run(objective=3.0), Cause.RECORDED_NO_SOLUTION),
        (SOLVED, _run(termination=Termination.INFEASIBLE), Cause.OURS_NO_SOLUTION),
        (SOLVED, _run(termination=Termination.NO_SOLUTION_FOUND), Cause.OURS_NO_SOLUTION),
        (SOLVED, _run(RunOutcome.TIMEOUT, None, error="wall-clock limit"), Cause.OURS_TIMEOUT),
        (SOLVED, _run(RunOutcome.NO_SOLVE_CALL, None), Cause.OURS_NO_SOLVE_CALL),
        (
            SOLVED,
            _run(
                RunOutcome.RUNTIME_ERROR,
                None,
                error="Traceback ...\nNotImplementedError: unsupported: Model.setCallback",
            ),
            Cause.OURS_UNSUPPORTED_API,
        ),
        (
            SOLVED,
            _run(RunOutcome.RUNTIME_ERROR, None, error="solvers.compat.coptpy.CoptError: Invalid constraint sense 'B'"),
            Cause.OURS_COMPAT_ERROR,
        ),
        (
            SOLVED,
            _run(RunOutcome.RUNTIME_ERROR, None, error="Traceback ...\nNameError: name 'y' is not defined"),
            Cause.OURS_EXCEPTION,
        ),
    ],
)
def test_classify_disagreement(recorded: RecordedExecution, run: CodeRun, cause: Cause | None) -> None:
    found = classify_disagreement(recorded, _ours(run), run=run)
    assert (found[0] if found else None) == cause, found


def test_disagreement_details_quote_the_cause() -> None:
    run = _run(RunOutcome.RUNTIME_ERROR, None, error="Traceback\nAttributeError: unsupported: Model.setCallback(cb)")
    found = classify_disagreement(SOLVED, _ours(run), run=run)
    assert found is not None and "unsupported: Model.setCallback(cb)" in found[1]
    run = _run(objective=120.0, stats=ModelStats(variables=2, continuous=2, objective="quadratic"))
    found = classify_disagreement(SOLVED, _ours(run), run=run)
    assert found is not None and "recorded 100, ours 120" in found[1] and "qp" in found[1]


def test_program_printing_something_else_is_told_apart() -> None:
    from benchmarks.scoring import prediction_from_text

    run = _run(objective=80.0)
    footer = prediction_from_text("Just print the best solution: 100.0", style="orlm")
    found = classify_disagreement(SOLVED, _ours(run), run=run, footer=footer)
    assert found is not None and found[0] is Cause.PRINTS_SOMETHING_ELSE
    assert "prints 100" in found[1] and "80" in found[1]


# -- generic formats -------------------------------------------------------------------------------------------------

PROGRAM = """from pyscipopt import Model
m = Model()
m.hideOutput()
x = m.addVar("x", lb=0)
y = m.addVar("y", lb=0)
m.addCons(x + y <= {total})
m.addCons(x <= 3)
m.setObjective(2 * x + y, "maximize")
m.optimize()
print("Just print the best solution:", m.getObjVal())
"""
"""Optimum: total + 3."""

INFEASIBLE_PROGRAM = """from pyscipopt import Model
m = Model()
m.hideOutput()
x = m.addVar("x", lb=5)
m.addCons(x <= 3)
m.setObjective(x, "minimize")
m.optimize()
"""


def _sirl(program: str) -> str:
    return f"<think>Two products.</think>\n<model>max 2x+y s.t. x+y<=T, x<=3</model>\n<python>\n{program}</python>"


def _orlm(program: str) -> str:
    return (
        "## Mathematical Model:\n### Decision Variables:\n- x, y\n### Objective Function:\n- max 2x+y\n"
        "### Constraints:\n1. x+y <= T\n\n## Python Code Solution Using `coptpy`:\nHere it is:\n\n"
        f"```python\n{program}```\n"
    )


def _fenced(program: str) -> str:
    return f"Here is the model.\n\n```python\n{program}```\n\nIt maximizes profit."


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _synthetic(tmp_path: Path) -> list[Path]:
    """Three files in three layouts and three field conventions; per file: right, wrong, infeasible, no code."""
    files = []
    for name, wrap, completion_field, answer_field in (
        ("sirl_tags", _sirl, "response", "en_answer"),
        ("orlm_markdown", _orlm, "completion", "answer"),
        ("fenced", _fenced, "output", "ground_truth"),
    ):
        rows: list[dict[str, Any]] = [
            {"id": f"{name}-1", completion_field: wrap(PROGRAM.format(total=10)), answer_field: 13},
            {"id": f"{name}-2", completion_field: wrap(PROGRAM.format(total=20)), answer_field: "24"},  # 23: wrong
            {"id": f"{name}-3", completion_field: wrap(INFEASIBLE_PROGRAM), answer_field: "No Best Solution"},
            {"id": f"{name}-4", completion_field: "I cannot write code for this.", answer_field: 1.0},
        ]
        files.append(_write_jsonl(tmp_path / f"{name}.jsonl", rows))
    return files


def test_generic_formats_are_detected_and_counted(tmp_path: Path) -> None:
    result = replay(_synthetic(tmp_path), ReplayOptions(execute=False))
    by_label = {f.label: f for f in result.files}
    assert {label: f.format for label, f in by_label.items()} == dict.fromkeys(by_label, "completions")
    assert by_label["sirl_tags"].detected_by == "completion field 'response'"
    assert by_label["sirl_tags"].layouts["sirl"] == 3
    assert by_label["orlm_markdown"].layouts["orlm"] == 3
    assert by_label["fenced"].layouts["fenced"] == 3
    assert all(f.no_code == 1 and f.items == 4 for f in result.files)
    assert all(not f.rates for f in result.files)  # nothing recorded to score, nothing run


def test_generic_replay_scores_the_sandboxed_runs(tmp_path: Path, pool: SandboxPool) -> None:
    result = replay(_synthetic(tmp_path), ReplayOptions(preset="orlm"), pool=pool)
    for summary in result.files:
        # right (13) and infeasible pass strictly; 23 vs 24 fails strict but passes ORLM's 5 %; no code fails.
        assert summary.rates["reexec/strict"] == pytest.approx(50.0), summary
        assert summary.rates["reexec/orlm"] == pytest.approx(75.0), summary
        assert summary.outcomes == {"ok": 3}
    records = {r.item_id: r for r in result.records}
    assert records["fenced-4"].final is not None and records["fenced-4"].final.prediction is not None
    assert records["fenced-4"].final.prediction.status is PredictionStatus.NO_CODE
    assert records["sirl_tags-2"].score is not None and records["sirl_tags-2"].score.preset == "orlm"
    assert records["sirl_tags-2"].extras["scores"]["reexec/strict"]["passed"] is False


def test_openai_batch_output_takes_ground_truth_from_the_suite(tmp_path: Path, pool: SandboxPool) -> None:
    if not (DATA / "suites" / "nl4opt.jsonl").is_file():
        pytest.skip("no registered nl4opt suite")
    from benchmarks.suites import load_items

    item = load_items("nl4opt", DATA)[0]
    assert item.answer is not None
    body = {
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": _fenced(PROGRAM.format(total=item.answer - 3))}}
        ]
    }
    rows: list[dict[str, Any]] = [
        {"id": "batch_req_1", "custom_id": item.id, "response": {"status_code": 200, "body": body}, "error": None},
        {"id": "batch_req_2", "custom_id": "nl4opt-0002", "response": None, "error": {"message": "rate limited"}},
    ]
    path = _write_jsonl(tmp_path / "batch_output.jsonl", rows)
    result = replay([path], ReplayOptions(), pool=pool)
    (summary,) = result.files
    assert summary.format == "openai-batch"
    first, second = result.records
    assert first.item_id == item.id and first.answer == item.answer
    assert first.extras["scores"]["reexec/strict"]["passed"] is True
    assert "rate limited" in second.error


def test_unknown_layout_is_refused_with_the_fields_looked_for(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "odd.jsonl", [{"question": "q", "answer": 1}])
    with pytest.raises(RecordsError, match="cannot tell the format.*completion"):
        load_recorded(path)
    forced = load_recorded(path, format="completions")
    assert forced.detected_by == "--format" and forced.items[0].problem.startswith("no completion")


def test_first_block_follows_the_anchors_locator() -> None:
    two = "```python\nimport pyscipopt\nfirst = 1\n```\ntext\n```python\nimport pyscipopt\nsecond = 2\n```"
    assert anchor_first_block(two) == "import pyscipopt\nfirst = 1"
    assert anchor_first_block("<python>\n```python\nx = 1\n```\n</python>") == "x = 1"
    assert anchor_first_block("no code") is None


# -- run directory and command line -------------------------------------------------------------------------------


def test_run_dir_round_trips_and_refuses_other_runs(tmp_path: Path) -> None:
    result = replay(_synthetic(tmp_path), ReplayOptions(execute=False))
    run_dir = write_run_dir(result, tmp_path / "run")
    spec = RunSpec.from_dict(json.loads((run_dir / "spec.json").read_text()))
    assert spec.kind == "replay" and spec.parameters["time_limit_s"] == 60.0
    lines = (run_dir / "records.jsonl").read_text().splitlines()
    records = [ItemRecord.from_dict(json.loads(line)) for line in lines]
    assert [r.item_id for r in records] == [r.item_id for r in result.records]
    assert (run_dir / "disagreements.md").is_file() and (run_dir / "summary.md").is_file()
    write_run_dir(result, run_dir)  # a replay may be overwritten
    other = tmp_path / "other"
    other.mkdir()
    (other / "spec.json").write_text(json.dumps({**spec.to_dict(), "kind": "run"}))
    with pytest.raises(RecordsError, match="not a replay"):
        write_run_dir(result, other)


@needs_orlm
def test_cli_no_exec_json(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_replay_parser(parser.add_subparsers())
    args = parser.parse_args(["replay", str(ORLM), "--no-exec", "--json", "--out", str(tmp_path / "run")])
    out = io.StringIO()
    assert args.func(args, out) == 0
    data = json.loads(out.getvalue())
    rates = {f["label"].split(".q2mc_en.")[0]: f["rates"] for f in data["files"]}
    assert round(rates["NL4OPT"]["recorded/orlm"], 1) == 85.7
    assert data["disagreements"] == [] and data["run_dir"] == str(tmp_path / "run")


@needs_orlm
def test_report_reads_the_replay_run_dir(tmp_path: Path) -> None:
    report = pytest.importorskip("benchmarks.report")
    result = replay([ORLM], ReplayOptions(execute=False))
    run_dir = write_run_dir(result, tmp_path / "run")
    built = report.build_report(run_dir)
    assert built is not None


# -- re-execution of ORLM's programs ------------------------------------------------------------------------------


def _orlm_subset(tmp_path: Path, prefix: str, lines: list[int]) -> Path:
    source = next(ORLM.glob(f"{prefix}.q2mc_en.*/executed.jsonl"))
    target = tmp_path / source.parent.name
    target.mkdir()
    rows = source.read_text(encoding="utf-8").splitlines()
    (target / "executed.jsonl").write_text("\n".join(rows[i - 1] for i in lines) + "\n", encoding="utf-8")
    return target / "executed.jsonl"


@needs_orlm
def test_orlm_rows_re_execute_end_to_end(tmp_path: Path, compat_pool: SandboxPool) -> None:
    rows = [json.loads(line) for line in next(ORLM.glob("IndustryOR*/executed.jsonl")).read_text().splitlines()]
    solved = [i for i, r in enumerate(rows, 1) if r["execution_state"].endswith("Best Solution Found")][:4]
    licence = [
        i
        for i, r in enumerate(rows, 1)
        if "web license" in r["execution_result"] and r["execution_best_solution"] is None
    ][:2]
    path = _orlm_subset(tmp_path, "IndustryOR", solved + licence)
    result = replay([path], ReplayOptions(), pool=compat_pool)
    records = result.records
    assert len(records) == 6
    for record in records[:4]:
        assert record.final is not None and record.final.code_run is not None
        assert record.extras["reexec"]["solver"] not in ("copt", "")  # solved on an open-source solver
    for record in records[4:]:
        # A licence row either still fails (both failed: no disagreement) or now runs: then the cause is the licence.
        disagreement = record.extras["disagreement"]
        assert disagreement is None or disagreement["cause"] == Cause.RECORDED_LICENCE.value
    text = render_disagreements(result)
    assert text.startswith("No disagreements") or "| cause | items |" in text


@pytest.mark.slow
@needs_orlm
def test_full_orlm_replay_under_three_minutes(tmp_path: Path, compat_pool: SandboxPool) -> None:
    # compat_pool only gates the test on the compat routing; the replay starts its own pool, as the CLI does.
    started = time.perf_counter()
    result = replay([ORLM], ReplayOptions())
    write_run_dir(result, tmp_path / "run")
    elapsed = time.perf_counter() - started
    assert elapsed < 180, f"full replay took {elapsed:.1f} s"
    assert sum(f.executed for f in result.files) == 556
    for summary in result.files:
        prefix = summary.label.split(".q2mc_en.")[0]
        assert round(summary.rates["recorded/orlm"], 1) == ORLM_PERCENT[prefix][0]
        assert "reexec/orlm" in summary.rates and "reexec/strict" in summary.rates
    licence = [d for d in result.disagreements if d.cause is Cause.RECORDED_LICENCE]
    assert all(d.file.startswith("IndustryOR") for d in licence)


def _orlm_judge(answer: str, prediction: str | None) -> bool:
    """ORLM's own judge (eval/execute.py, ANCHORS §2.3), transcribed independently of benchmarks.scoring."""
    if answer == "No Best Solution":
        return prediction == "No Best Solution"
    if prediction is None or prediction == "No Best Solution":
        return False
    gt, pred = round(float(answer)), round(float(prediction))
    if gt == 0:
        return abs(pred) <= 0.05
    return abs(pred - gt) / abs(gt) <= 0.05


@needs_orlm
def test_other_recorded_outputs_in_orlm_format_score_as_their_authors_judge(tmp_path: Path) -> None:
    """A file no test has seen (another checkpoint's executed.jsonl, simulated by perturbing ORLM's recorded answers
    in every way the judge distinguishes) scores exactly what ORLM's own judge gives it."""
    source = next(ORLM.glob("NL4OPT*/executed.jsonl"))
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()[:60]]
    factors = (1.0, 1.03, 1.049, 1.051, 1.2, 0.5, -1.0)
    expected = 0
    for index, row in enumerate(rows):
        kind = index % 9
        if kind < len(factors) and row["execution_best_solution"] not in (None, "No Best Solution"):
            value = float(row["execution_best_solution"]) * factors[kind]
            row["execution_best_solution"] = str(value)
            row["execution_result"] = f"Just print the best solution: {value}"
        elif kind == 7:
            row["execution_best_solution"] = "No Best Solution"
            row["execution_result"] = "No Best Solution"
            row["execution_state"] = "Execution Successful but No Best Solution Found"
        elif kind == 8:
            row["execution_best_solution"] = None
            row["execution_result"] = "Traceback (most recent call last): ..."
            row["execution_state"] = "Execution Failed: Traceback"
        expected += _orlm_judge(str(row["en_answer"]), row["execution_best_solution"])
    other = tmp_path / "NL4OPT.q2mc_en.Other-Checkpoint-7B" / "executed.jsonl"
    other.parent.mkdir()
    other.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    result = replay([other], ReplayOptions(execute=False))
    (summary,) = result.files
    assert summary.format == "orlm" and summary.items == len(rows)
    assert 0 < expected < len(rows)  # the perturbations really split passes from failures
    assert summary.rates["recorded/orlm"] * len(rows) / 100 == pytest.approx(expected)

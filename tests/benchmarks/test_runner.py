"""The runner end to end: scripted answers through the real agent and sandbox into a run log, killed and resumed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.cli import main
from agent.llm import LLMBackend, LLMConnectionError, LLMRequest, LLMResponse, MockLLM
from agent.llm.base import BaseLLM
from benchmarks.runlog import RECORDS_FILE, SpecMismatchError, read_records
from benchmarks.runner import RunOptions, RunResult, load_suites, mock_from_file, run_benchmark
from solvers import SandboxPool
from tests.benchmarks.nl4opt_answers import DATA, MODELS, WRONG, reply, right_mock, use_nl4opt_data, wrong_mock

REPO = Path(__file__).resolve().parents[2]
FIRST_FIVE = sorted(MODELS)


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_nl4opt_data(monkeypatch)


def run(
    pool: SandboxPool,
    run_dir: Path,
    llm: LLMBackend,
    spec: str,
    *,
    limit: int = 5,
    resume: bool = False,
    samples: int = 1,
) -> RunResult:
    options = RunOptions(llm=spec, limit=limit, concurrency=2, samples=samples)
    suites = load_suites(["nl4opt"], limit)
    return asyncio.run(run_benchmark(suites, options, run_dir, llm, resume=resume, pool=pool))


def ids(run_dir: Path) -> list[str]:
    return [r.item_id for r in read_records(run_dir)]


def test_cli_run_with_right_answers_scores_100_percent_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mock = right_mock(tmp_path / "right.json")
    out = tmp_path / "run"
    code = main(
        ["bench", "run", "nl4opt", "--llm", f"mock/{mock}", "--limit", "5", "--concurrency", "1", "--out", str(out)]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    records = read_records(out)
    assert sorted(r.item_id for r in records) == FIRST_FIVE
    assert all(r.score is not None and r.score.passed and r.score.strict for r in records)
    assert "100.0" in printed.out and "5 item(s) recorded" in printed.out
    spec = json.loads((out / "spec.json").read_text())
    assert spec["suites"]["nl4opt"] and spec["llm"] == f"mock/{mock}" and spec["parameters"]["limit"] == 5
    assert spec["packages"]["pyomo"] and spec["created"].endswith("Z")
    first = records[0]
    assert first.prompts and first.prompts[0][-1]["role"] == "user"  # the chat messages actually sent
    assert "Formulate" in first.prompts[0][-1]["content"] and "program" in first.prompts[1][-1]["content"]
    assert first.final is not None and first.final.code_run and first.final.code_run["outcome"] == "ok"
    assert first.final.program.startswith("import pyomo") and first.final.dialect == "pyomo"
    assert first.prompt_tokens > 0 and first.completion_tokens > 0 and first.latency_s > 0


def test_wrong_answers_score_zero(pool: SandboxPool, tmp_path: Path) -> None:
    result = run(pool, tmp_path / "run", mock_from_file(wrong_mock(tmp_path / "w.json")), "mock/w.json")
    assert result.written == 5 and not result.failures and not result.pending
    overall = result.summary()["overall"]
    assert overall["accuracy"] == 0.0 and overall["strict_accuracy"] == 0.0
    assert overall["execution_rate"] == 1.0 and overall["categories"] == {"wrong_objective": 5}


def test_samples_are_scored_for_pass_at_k(pool: SandboxPool, tmp_path: Path) -> None:
    phrase = MODELS["nl4opt-0001"][0]
    llm = mock_from_file(_write(tmp_path / "m.json", {phrase: [WRONG, reply("nl4opt-0001"), WRONG], "*": WRONG}))
    result = run(pool, tmp_path / "run", llm, "mock/m.json", limit=1, samples=3)
    (record,) = result.records
    assert len(record.samples) == 3 and record.pass_at_k is True
    assert [s.score.passed for s in record.samples if s.score] == [False, True, False]
    assert record.score is not None and not record.score.passed  # two of three agree on the wrong answer
    overall = result.summary()["overall"]
    assert overall["pass_at_k"]["1"] == pytest.approx(1 / 3) and overall["any_of_k"] == 1.0


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_torn_final_line_is_repaired_and_that_item_redone(pool: SandboxPool, tmp_path: Path) -> None:
    llm = mock_from_file(right_mock(tmp_path / "right.json"))
    out = tmp_path / "run"
    run(pool, out, llm, "mock/right.json", limit=3)
    path = out / RECORDS_FILE
    lines = path.read_bytes().splitlines(keepends=True)
    torn_id = json.loads(lines[-1])["item_id"]
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # killed mid-write
    result = run(pool, out, mock_from_file(tmp_path / "right.json"), "mock/right.json", limit=3, resume=True)
    assert [o.item.id for o in result.outcomes] == [torn_id]
    assert sorted(ids(out)) == FIRST_FIVE[:3]
    assert all(line.endswith(b"\n") for line in path.read_bytes().splitlines(keepends=True))


def test_resume_refuses_changed_settings(pool: SandboxPool, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mock = wrong_mock(tmp_path / "w.json")
    out = tmp_path / "run"
    run(pool, out, mock_from_file(mock), f"mock/{mock}", limit=1)
    with pytest.raises(SpecMismatchError, match="samples"):
        run(pool, out, mock_from_file(mock), f"mock/{mock}", limit=1, resume=True, samples=2)
    argv = ["bench", "run", "nl4opt", "--llm", f"mock/{mock}", "--limit", "1", "--out", str(out), "--resume"]
    assert main([*argv, "--dialect", "highspy"]) == 2
    err = capsys.readouterr().err
    assert "parameters.dialect" in err and "'pyomo'" in err and "'highspy'" in err and "Traceback" not in err
    assert main(argv[:-1]) == 2  # the directory holds a run: continuing needs --resume
    assert "--resume" in capsys.readouterr().err
    assert ids(out) == ["nl4opt-0001"]


class FlakyLLM(BaseLLM):
    """Answers like ``inner`` except that the endpoint is down for prompts containing ``down``."""

    name = "flaky"
    model = "flaky"

    def __init__(self, inner: MockLLM, down: str) -> None:
        self.inner = inner
        self.down = down

    async def generate(self, request: LLMRequest) -> LLMResponse:
        if self.down in request.messages[-1].content:
            raise LLMConnectionError("http://localhost:1", "connection refused")
        return await self.inner.generate(request)


def test_infrastructure_failures_are_not_recorded_and_retried_on_resume(pool: SandboxPool, tmp_path: Path) -> None:
    mock = wrong_mock(tmp_path / "w.json")
    out = tmp_path / "run"
    flaky = FlakyLLM(mock_from_file(mock), MODELS["nl4opt-0002"][0])
    result = run(pool, out, flaky, "mock/w.json", limit=3)
    assert [o.item.id for o in result.failures] == ["nl4opt-0002"]
    assert "LLMConnectionError" in result.failures[0].failure
    assert sorted(ids(out)) == ["nl4opt-0001", "nl4opt-0003"]
    again = run(pool, out, mock_from_file(mock), "mock/w.json", limit=3, resume=True)
    assert again.skipped == 2 and again.written == 1
    assert sorted(ids(out)) == FIRST_FIVE[:3]


def test_an_item_the_backend_cannot_answer_is_recorded_with_its_error(pool: SandboxPool, tmp_path: Path) -> None:
    llm = mock_from_file(_write(tmp_path / "m.json", {MODELS["nl4opt-0001"][0]: WRONG}))  # nothing for item 2
    result = run(pool, tmp_path / "run", llm, "mock/m.json", limit=2)
    by_id = {r.item_id: r for r in result.records}
    assert by_id["nl4opt-0002"].error.startswith("LLMResponseError") and by_id["nl4opt-0002"].score is None
    assert result.summary()["overall"]["errors"] == 1


def test_a_run_killed_with_sigkill_resumes_with_every_item_exactly_once(tmp_path: Path) -> None:
    mock = wrong_mock(tmp_path / "slow.json", sleep=0.5)
    out = tmp_path / "run"
    optagent = [sys.executable, "-c", "import sys; from agent.cli import main; sys.exit(main())"]
    command = [*optagent, "bench", "run", "nl4opt", "--llm", f"mock/{mock}", "--limit", "8"]
    command += ["--concurrency", "1", "--out", str(out), "--resume"]  # --resume on a new directory starts it
    env = {**os.environ, "OPTAGENT_DATA_DIR": str(DATA)}
    first = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while len(_lines(out / RECORDS_FILE)) < 3:
            assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
            assert time.monotonic() < deadline, "no records after 90 s"
            time.sleep(0.05)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the CLI and the sandbox workers it started
        first.wait()
    killed_at = len(_lines(out / RECORDS_FILE))
    assert 3 <= killed_at < 8
    second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0, second.stderr
    assert f"resumed: {killed_at} item(s) already done" in second.stdout
    recorded = ids(out)
    assert len(recorded) == len(set(recorded)) == 8
    assert sorted(recorded) == [f"nl4opt-{i:04d}" for i in range(1, 9)]


def _lines(path: Path) -> list[bytes]:
    try:
        return [line for line in path.read_bytes().splitlines(keepends=True) if line.endswith(b"\n")]
    except FileNotFoundError:
        return []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nosuchsuite", "--llm", "mock"], "unknown suite 'nosuchsuite'"),
        (["nl4opt", "--llm", "nosuch/model"], "unknown LLM provider 'nosuch'"),
        (["nl4opt", "--llm", "mock/missing.json"], "no such mock file"),
        (["nl4opt", "--llm", "replay/missing.jsonl"], "does not exist"),
        (["nl4opt", "--llm", "mock", "--limit", "0"], "limit (--limit) must be a positive number"),
        (["nl4opt", "--llm", "mock", "--limit", "-3"], "limit (--limit) must be a positive number"),
        (["nl4opt", "--llm", "mock", "--concurrency", "0"], "--concurrency"),
        (["nl4opt", "--llm", "mock", "--samples", "0"], "--samples"),
        (["nl4opt", "--llm", "mock", "--preset", "lenient"], "unknown preset 'lenient'"),
        (["nl4opt", "--llm", "mock", "--dialect", "fortran"], "unknown dialect"),
        (["nl4opt", "--llm", "mock", "--resume"], "--resume needs --out"),
    ],
)
def test_cli_rejects_bad_input_clearly(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "run", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_reports_an_unwritable_run_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    mock = wrong_mock(tmp_path / "w.json")
    assert main(["bench", "run", "nl4opt", "--llm", f"mock/{mock}", "--limit", "1", "--out", str(blocker / "x")]) == 2
    assert "cannot write the run directory" in capsys.readouterr().err


def test_cli_progress_says_an_unscorable_item_counts_as_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = tmp_path / "mine.csv"
    suite.write_text("question,answer\nA problem without a known optimum.,\n")
    mock = wrong_mock(tmp_path / "w.json")
    out = tmp_path / "run"
    assert main(["bench", "run", str(suite), "--llm", f"mock/{mock}", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "unscorable (no usable ground truth: counted as a failure)" in printed.err + printed.out
    assert "strict: fail" not in printed.err + printed.out
    header, row = printed.out.splitlines()[:2]
    assert header.split()[:3] == ["suite", "items", "unscorable"] and row.split()[:4] == ["mine", "1", "1", "0.0"]

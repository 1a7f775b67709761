"""Batch mode end to end: export prompts, answer them as the OpenAI Batch API would, replay, export the next round."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.cli import main
from agent.llm import LLMRequest, ReplayLLM
from benchmarks.batch import PendingCompletion, StoredCompletionsLLM, is_missing_completion, read_pending
from benchmarks.runlog import PENDING_FILE, read_records
from benchmarks.runner import RunOptions, RunResult, load_suites, run_benchmark
from solvers import SandboxPool
from tests.benchmarks.nl4opt_answers import MODELS, WRONG, reply, use_nl4opt_data

BROKEN = "## Program\n\n```python\nimport pyomo.environ as pyo\nm = pyo.ConcreteModel(\n```\n"


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_nl4opt_data(monkeypatch)


def respond(prompt: str) -> str:
    """Right answers for items 1-2; item 3's first program has a syntax error and only its repair is right."""
    for item_id, (phrase, *_) in MODELS.items():
        if phrase in prompt:
            if item_id == "nl4opt-0003" and not prompt.startswith("The program below"):
                return BROKEN if prompt.startswith("Write a complete") else reply(item_id)
            return reply(item_id)
    return WRONG


def batch_api(requests: Path, answer: Callable[[str], str] = respond) -> Path:
    """What the OpenAI Batch API returns for an input file, saved beside it as ``<stem>_output.jsonl``."""
    output = requests.with_name(f"{requests.stem}_output.jsonl")
    with output.open("w") as handle:
        for line in requests.read_text().splitlines():
            request = json.loads(line)
            body = request["body"]
            text = answer(body["messages"][-1]["content"])
            choices = [{"index": i, "message": {"role": "assistant", "content": text}} for i in range(body["n"])]
            response = {
                "status_code": 200,
                "body": {
                    "model": body["model"],
                    "choices": choices,
                    "usage": {"prompt_tokens": 100, "completion_tokens": 40},
                },
            }
            handle.write(json.dumps({"custom_id": request["custom_id"], "response": response, "error": None}) + "\n")
    return output


def bench_round(pool: SandboxPool, out: Path, completions: Path, limit: int = 3) -> RunResult:
    options = RunOptions(llm=f"replay/{completions}", limit=limit, max_repairs=1)
    suites = load_suites(["nl4opt"], limit)
    llm = ReplayLLM(completions)
    return asyncio.run(run_benchmark(suites, options, out, llm, resume=True, pool=pool))


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["bench", "export-prompts", *argv]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_three_rounds_of_batch_prompts_finish_every_item(
    pool: SandboxPool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    # Round 1: the first prompt of every item, in the Batch API's request format.
    round1 = tmp_path / "round1.jsonl"
    printed = export(capsys, "nl4opt", "--limit", "3", "--max-repairs", "1", "--out", str(round1), "--model", "gpt-x")
    assert "3 request(s) for 3 item(s)" in printed and "round1_output.jsonl" in printed
    requests = lines(round1)
    assert [r["custom_id"].split(":")[:2] for r in requests] == [[f"nl4opt-000{i}", "0"] for i in (1, 2, 3)]
    first = requests[0]
    assert first["method"] == "POST" and first["url"] == "/v1/chat/completions"
    assert first["body"]["model"] == "gpt-x" and first["body"]["n"] == 1 and first["body"]["seed"] == 0
    assert first["body"]["messages"][0]["role"] == "system"
    assert first["body"]["messages"][-1]["content"].startswith("Formulate the optimization problem")

    # The formulations come back; each item then asks for its program, which nobody has answered yet.
    result = bench_round(pool, run_dir, batch_api(round1))
    assert result.written == 0 and len(result.pending) == 3
    assert not (run_dir / "records.jsonl").exists() or read_records(run_dir) == []
    assert [p.index for p in read_pending(run_dir)] == [1, 1, 1]

    # Round 2: the program prompts; items 1 and 2 finish, item 3's program fails and asks for a repair.
    round2 = tmp_path / "round2.jsonl"
    printed = export(capsys, "--run", str(run_dir), "--out", str(round2), "--model", "gpt-x")
    assert "3 request(s) for 3 item(s)" in printed and "--resume" in printed
    assert all(r["body"]["messages"][-1]["content"].startswith("Write a complete") for r in lines(round2))
    result = bench_round(pool, run_dir, batch_api(round2))
    assert sorted(r.item_id for r in read_records(run_dir)) == ["nl4opt-0001", "nl4opt-0002"]
    (pending,) = read_pending(run_dir)
    assert pending.item_id == "nl4opt-0003" and pending.index == 2
    assert last_user(pending.request).startswith("The program below")

    # Round 3: the repair; every item has exactly one record and nothing is pending.
    round3 = tmp_path / "round3.jsonl"
    export(capsys, "--run", str(run_dir), "--out", str(round3))
    assert len(lines(round3)) == 1
    result = bench_round(pool, run_dir, batch_api(round3))
    assert result.skipped == 2 and result.written == 1 and not result.pending
    records = {r.item_id: r for r in read_records(run_dir)}
    assert sorted(records) == ["nl4opt-0001", "nl4opt-0002", "nl4opt-0003"]
    assert all(r.score is not None and r.score.strict for r in records.values())
    third = records["nl4opt-0003"]
    assert len(third.prompts) == 3 and third.final is not None and third.final.repair_rounds == 1
    assert third.prompt_tokens == 300  # every round's usage, the earlier rounds' served from the run directory
    assert not (run_dir / PENDING_FILE).exists()
    assert "nothing is pending" in export(capsys, "--run", str(run_dir), "--out", str(tmp_path / "none.jsonl"))

    # Every completion is kept in the run directory, in a format `--llm replay/...` reads: a free re-run.
    again = bench_round(pool, tmp_path / "again", run_dir / "completions.jsonl")
    assert again.written == 3
    assert {r.item_id: r.score.passed for r in again.records if r.score} == {k: True for k in records}


def last_user(request: LLMRequest) -> str:
    return request.messages[-1].content


def test_replay_misses_become_pending(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"prompt": "known", "completion": "x"}) + "\n")
    replay = ReplayLLM(path)
    with pytest.raises(Exception) as caught:
        asyncio.run(replay.generate(LLMRequest.of("unknown")))
    assert is_missing_completion(caught.value)  # ReplayLLM's wording is what batch mode relies on
    stored = StoredCompletionsLLM(replay, tmp_path)
    with pytest.raises(PendingCompletion):
        asyncio.run(stored.generate(LLMRequest.of("unknown")))
    assert asyncio.run(stored.generate(LLMRequest.of("known"))).text == "x"
    assert len(stored) == 1 and lines(tmp_path / "completions.jsonl")[0]["completions"] == ["x"]


def test_export_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "export-prompts", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "name the suites" in capsys.readouterr().err
    assert main(["bench", "export-prompts", "--run", str(tmp_path), "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert main(["bench", "export-prompts", "nosuch", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "unknown suite" in capsys.readouterr().err


def test_export_with_samples_asks_for_n_completions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.jsonl"
    export(capsys, "nl4opt", "--limit", "2", "--samples", "4", "--out", str(out))
    # The formulation is one completion; the k programs are one n=k request in the next round.
    assert [r["body"]["n"] for r in lines(out)] == [1, 1]

"""The run directory: atomic appends, torn-line repair, the lock, and resume's spec check."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from benchmarks.runlog import (
    RECORDS_FILE,
    SPEC_FILE,
    JsonlAppender,
    RunDirBusyError,
    RunLog,
    RunLogError,
    SpecMismatchError,
    read_jsonl,
    read_records,
    spec_mismatch,
)
from benchmarks.types import ItemRecord, RunSpec


def spec(**changes: object) -> RunSpec:
    base = RunSpec(
        run_id="r1",
        suites={"nl4opt": "abc"},
        llm="openai/gpt-4o",
        preset="strict",
        samples=1,
        parameters={"dialect": "pyomo", "max_repairs": 2, "limit": 5, "concurrency": 4},
        created="2026-01-01T00:00:00Z",
    )
    data = base.to_dict()
    data.update(changes)
    return RunSpec.from_dict(data)


def record(i: int) -> ItemRecord:
    return ItemRecord(item_id=f"nl4opt-{i:04d}", suite="nl4opt", question="q" * 50)


def test_a_new_run_writes_the_spec_and_appends_records(tmp_path: Path) -> None:
    with RunLog.open(tmp_path / "run", spec(), resume=False) as log:
        log.append(record(1))
        log.append(record(2))
    stored = json.loads((tmp_path / "run" / SPEC_FILE).read_text())
    assert RunSpec.from_dict(stored) == spec()
    lines = (tmp_path / "run" / RECORDS_FILE).read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3  # every record is one complete line
    assert [r.item_id for r in read_records(tmp_path / "run")] == ["nl4opt-0001", "nl4opt-0002"]


def test_reopening_without_resume_is_refused(tmp_path: Path) -> None:
    RunLog.open(tmp_path, spec(), resume=False).close()
    with pytest.raises(RunLogError, match="--resume"):
        RunLog.open(tmp_path, spec(), resume=False)


def test_resume_skips_done_items_and_keeps_the_original_spec(tmp_path: Path) -> None:
    with RunLog.open(tmp_path, spec(), resume=False) as log:
        log.append(record(1))
    later = spec(
        run_id="r2",
        created="2026-02-02T00:00:00Z",
        parameters={"dialect": "pyomo", "max_repairs": 2, "limit": 9, "concurrency": 1},
    )
    with RunLog.open(tmp_path, later, resume=True) as log:
        assert log.done == {("nl4opt", "nl4opt-0001")}
        assert log.spec.run_id == "r1" and log.spec.created == "2026-01-01T00:00:00Z"
        assert log.spec.parameters["limit"] == 9  # limit and concurrency may change on resume
    assert RunLog.read_spec(tmp_path).parameters["concurrency"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"samples": 4}, "samples"),
        ({"preset": "sirl"}, "preset"),
        ({"llm": "openai/gpt-4o-mini"}, "llm"),
        ({"suites": {"nl4opt": "def"}}, "suites[nl4opt]"),
        ({"suites": {"nl4opt": "abc", "industryor": "x"}}, "suites[industryor]"),
        ({"parameters": {"dialect": "highspy", "max_repairs": 2, "limit": 5, "concurrency": 4}}, "parameters.dialect"),
        (
            {"parameters": {"dialect": "pyomo", "max_repairs": 0, "limit": 5, "concurrency": 4}},
            "parameters.max_repairs",
        ),
    ],
)
def test_resume_refuses_answer_changing_settings_naming_the_field(
    tmp_path: Path, changes: dict[str, object], field: str
) -> None:
    RunLog.open(tmp_path, spec(), resume=False).close()
    with pytest.raises(SpecMismatchError) as caught:
        RunLog.open(tmp_path, spec(**changes), resume=True)
    assert caught.value.field == field
    assert field in str(caught.value) and "cannot resume" in str(caught.value)


def test_replay_rounds_may_name_new_files() -> None:
    assert spec_mismatch(spec(llm="replay/round1_output.jsonl"), spec(llm="replay/round2_output.jsonl")) is None
    assert spec_mismatch(spec(llm="replay/a.jsonl"), spec(llm="openai/gpt-4o")) is not None


def test_a_torn_last_line_is_truncated_and_the_item_redone(tmp_path: Path) -> None:
    with RunLog.open(tmp_path, spec(), resume=False) as log:
        log.append(record(1))
        log.append(record(2))
    path = tmp_path / RECORDS_FILE
    intact = path.read_bytes()
    torn = json.dumps(record(3).to_dict()).encode()[:40]  # a SIGKILL in the middle of a write
    path.write_bytes(intact + torn)
    assert [r.item_id for r in read_records(path)] == ["nl4opt-0001", "nl4opt-0002"]  # readers ignore it
    with RunLog.open(tmp_path, spec(), resume=True) as log:
        assert path.read_bytes() == intact  # cut back to the last complete line
        assert ("nl4opt", "nl4opt-0003") not in log.done
        log.append(record(3))
    assert [r.item_id for r in read_records(path)] == ["nl4opt-0001", "nl4opt-0002", "nl4opt-0003"]


def test_a_complete_line_without_its_newline_counts_as_torn(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2}')
    assert read_jsonl(path, repair=True) == [{"a": 1}]
    assert path.read_bytes() == b'{"a": 1}\n'


def test_damage_in_the_middle_is_an_error_not_silently_dropped(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\nnot json\n{"a": 3}\n')
    with pytest.raises(RunLogError, match=":2: unreadable"):
        read_jsonl(path)


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    appender = JsonlAppender(tmp_path / "x.jsonl")
    payload = "y" * 20_000  # larger than a pipe buffer: one os.write each, still whole lines

    def write(worker: int) -> None:
        for i in range(20):
            appender.append({"worker": worker, "i": i, "payload": payload})

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    appender.close()
    rows = read_jsonl(tmp_path / "x.jsonl")
    assert len(rows) == 160 and all(r["payload"] == payload for r in rows)
    assert {(r["worker"], r["i"]) for r in rows} == {(w, i) for w in range(8) for i in range(20)}


def test_one_process_at_a_time(tmp_path: Path) -> None:
    with RunLog.open(tmp_path, spec(), resume=False):
        with pytest.raises(RunDirBusyError, match="in use"):
            RunLog.open(tmp_path, spec(), resume=True)
    RunLog.open(tmp_path, spec(), resume=True).close()  # released on close


def test_an_unusable_directory_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(RunLogError, match="cannot write the run directory"):
        RunLog.open(blocker / "run", spec(), resume=False)


def test_resume_message_names_a_missing_value_plainly(tmp_path: Path) -> None:
    error = SpecMismatchError("suites[mamo_complex]", None, "debbd3289613", tmp_path)
    assert "the run has nothing, this command asks for 'debbd3289613'" in str(error) and "None" not in str(error)

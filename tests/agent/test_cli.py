"""`optagent run` on the examples, its JSON contract, and its error messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import main
from solvers import CodeRun, RunOutcome
from solvers.types import json_schema
from tests.conftest import REPO

EXAMPLES = REPO / "examples"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_examples_report_the_expected_result(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(EXAMPLES / name), "--json"])
    out = capsys.readouterr().out
    run = CodeRun.from_dict(json.loads(out))
    expected = EXPECTED[name]
    assert code == (0 if run.outcome is RunOutcome.OK else 1)
    assert run.outcome is RunOutcome.OK, run.error
    assert run.result is not None
    assert run.result.termination.value == expected["termination"]
    if expected.get("objective") is not None:
        assert run.result.objective_value == pytest.approx(expected["objective"], rel=1e-6, abs=1e-6)


def test_human_output_shows_status_objective_and_variables(capsys: pytest.CaptureFixture[str]) -> None:
    name = "production_lp_pyomo.py"
    assert main(["run", str(EXAMPLES / name)]) == 0
    out = capsys.readouterr().out
    assert "status      optimal" in out
    assert "objective   " in out
    assert "nonzero variables" in out
    assert "certified" in out
    assert "sandbox" in out


def test_console_script_runs_with_a_time_limit(tmp_path: Path) -> None:
    program = tmp_path / "loop.py"
    program.write_text("while True:\n    pass\n")
    exe = Path(sys.executable).with_name("optagent")
    done = subprocess.run(
        [str(exe), "run", str(program), "--time-limit", "1", "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert CodeRun.from_dict(json.loads(done.stdout)).outcome is RunOutcome.TIMEOUT


def test_keep_instances_copies_the_exported_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "instances"
    assert main(["run", str(EXAMPLES / "production_lp_pyomo.py"), "--json", "--keep-instances", str(out_dir)]) == 0
    run = CodeRun.from_dict(json.loads(capsys.readouterr().out))
    assert run.result is not None and run.result.instance_path is not None
    assert Path(run.result.instance_path).parent == out_dir
    assert Path(run.result.instance_path).read_text().strip()


def test_schema_command_prints_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == json_schema(CodeRun)
    assert "outcome" in schema["properties"]


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such file" in _error(["run", "does/not/exist.py"], capsys)


def test_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert "is a directory" in _error(["run", str(tmp_path)], capsys)


def test_binary_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_bytes(b"\x7fELF\x00\x01\x02")
    assert "binary" in _error(["run", str(path)], capsys)


def test_unreadable_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text("print(1)\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything; check the non-UTF-8 path instead
        path.chmod(0o600)
        path.write_bytes(b"print('\xff\xfe')\n")
        assert "not UTF-8" in _error(["run", str(path)], capsys)
    else:
        assert "permission denied" in _error(["run", str(path)], capsys)


def test_empty_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text("\n")
    assert "empty" in _error(["run", str(path)], capsys)


def test_unknown_dialect(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["run", str(EXAMPLES / "diet_highspy.py"), "--dialect", "gams"], capsys)
    assert "unknown dialect 'gams'" in err and "pyomo" in err


def test_bad_time_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--time-limit" in _error(["run", str(EXAMPLES / "diet_highspy.py"), "--time-limit", "0"], capsys)

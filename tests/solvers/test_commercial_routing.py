"""Routing of ``import gurobipy`` / ``import coptpy`` in the sandbox, the real packages' capture, and the coverage
script's comparison rule.

Programs run in the sandbox only (they are untrusted, even here). The compat cases skip until ``solvers.compat`` is
importable; the real cases skip where gurobipy/coptpy are not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from solvers import SandboxPool, SandboxSettings
from solvers.sandbox.settings import COMMERCIAL_MODES

REPO = Path(__file__).resolve().parents[2]

GUROBI_PROGRAM = """
import gurobipy as gp
from gurobipy import GRB, quicksum

m = gp.Model("routing")
x = m.addVar(vtype=GRB.INTEGER, name="x")
y = m.addVar(name="y")
m.addConstr(x + 2 * y <= 4.5, "cap")
m.setObjective(quicksum([x, y]), GRB.MAXIMIZE)
m.optimize()
print("STATUS", m.Status == GRB.OPTIMAL, "OBJ", m.ObjVal)
"""

COPT_PROGRAM = """
from coptpy import *

env = Envr()
m = env.createModel("routing")
x = m.addVar(vtype=COPT.INTEGER, name="x")
y = m.addVar(name="y")
m.addConstr(x + 2 * y <= 4.5, "cap")
m.setObjective(x + y, COPT.MAXIMIZE)
m.solve()
print("STATUS", m.status == COPT.OPTIMAL, "OBJ", m.objval)
"""

OPTIMUM = 4.25


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _compat_ready() -> bool:
    """The compat layer is there and imports (it is written in parallel with this routing)."""
    try:
        for name in ("solvers.compat.gurobipy", "solvers.compat.coptpy", "solvers.capture.compat"):
            importlib.import_module(name)
    except Exception:
        return False
    return True


needs_compat = pytest.mark.skipif(not _compat_ready(), reason="solvers.compat is not available yet")
needs_gurobipy = pytest.mark.skipif(not _installed("gurobipy"), reason="the real gurobipy is not installed")
needs_coptpy = pytest.mark.skipif(not _installed("coptpy"), reason="the real coptpy is not installed")


# -- settings ----------------------------------------------------------------------------------------------------


def test_commercial_defaults_to_compat() -> None:
    assert SandboxSettings().commercial == "compat"
    assert COMMERCIAL_MODES == ("compat", "real")


def test_commercial_from_env_and_overrides() -> None:
    assert SandboxSettings.from_env({"OPTAGENT_SANDBOX_COMMERCIAL": "real"}).commercial == "real"
    assert SandboxSettings.from_env({"OPTAGENT_SANDBOX_COMMERCIAL": "real"}, commercial="compat").commercial == "compat"
    assert SandboxSettings.from_env({}).commercial == "compat"


@pytest.mark.parametrize("bad", ["gurobi", "", "REAL", "open-source"])
def test_commercial_rejects_unknown_modes(bad: str) -> None:
    with pytest.raises(ValueError, match="commercial must be one of compat, real"):
        SandboxSettings(commercial=bad)
    with pytest.raises(ValueError, match="commercial"):
        SandboxSettings.from_env({"OPTAGENT_SANDBOX_COMMERCIAL": bad})
    with pytest.raises(ValueError, match="commercial"):
        SandboxSettings().replace(commercial=bad)


# -- pools -------------------------------------------------------------------------------------------------------


class _HidingPool(SandboxPool):
    """Workers that treat the real gurobipy/coptpy as not installed: the fallback, on a machine that has them."""

    def _worker_config(self, slot: int) -> dict[str, Any]:
        config = super()._worker_config(slot)
        config["commercial_unavailable"] = ["gurobipy", "coptpy"]
        return config


def _settings(commercial: str) -> SandboxSettings:
    return SandboxSettings.from_env(workers=1, time_limit_s=60, commercial=commercial)


@pytest.fixture(scope="module")
def compat_pool() -> Iterator[SandboxPool]:
    with SandboxPool(_settings("compat")) as pool:
        yield pool


@pytest.fixture(scope="module")
def real_pool() -> Iterator[SandboxPool]:
    with SandboxPool(_settings("real")) as pool:
        yield pool


@pytest.fixture(scope="module")
def hiding_pool() -> Iterator[SandboxPool]:
    with _HidingPool(_settings("real")) as pool:
        yield pool


# -- compat routing ----------------------------------------------------------------------------------------------


@needs_compat
@pytest.mark.parametrize(("program", "dialect"), [(GUROBI_PROGRAM, "gurobipy"), (COPT_PROGRAM, "coptpy")])
def test_compat_routing_captures_on_open_source_solver(compat_pool: SandboxPool, program: str, dialect: str) -> None:
    run = compat_pool.run(program)
    assert run.ok, run.error
    assert "STATUS True" in run.stdout
    result = run.result
    assert result is not None
    assert result.dialect == dialect
    assert result.solver == "highs"
    assert result.objective() == pytest.approx(OPTIMUM, rel=1e-9)
    assert "Restricted license" not in run.stdout and "Cardinal Optimizer" not in run.stdout


@needs_compat
def test_compat_module_answers_to_the_real_name(compat_pool: SandboxPool) -> None:
    """``import gurobipy`` in a program is the compat layer, whatever is installed: the real one is never used."""
    run = compat_pool.run(
        "import sys, gurobipy, coptpy\n"
        "print('NAMES', sys.modules['gurobipy'] is gurobipy, sys.modules['coptpy'] is coptpy)\n"
        "print('FILES', getattr(gurobipy, '__file__', None), getattr(coptpy, '__file__', None))\n"
    )
    assert run.outcome.value == "no_solve_call", run.error
    assert "NAMES True True" in run.stdout
    assert "site-packages" not in run.stdout


# -- real routing ------------------------------------------------------------------------------------------------


@needs_gurobipy
def test_real_gurobipy_is_used_and_captured(real_pool: SandboxPool) -> None:
    run = real_pool.run(GUROBI_PROGRAM)
    assert run.ok, run.error + run.stderr
    assert "STATUS True" in run.stdout
    assert "Restricted license" in run.stdout or "Gurobi" in run.stdout  # the licence banner reaches the program
    assert run.isolation is not None and run.isolation.audit_hook
    result = run.result
    assert result is not None
    assert (result.dialect, result.solver) == ("gurobipy", "gurobi")
    assert result.solver_version.count(".") == 2
    assert result.termination.value == "optimal"
    assert result.objective() == pytest.approx(OPTIMUM, rel=1e-9)
    assert dict(result.variable_values) == pytest.approx({"x": 4.0, "y": 0.25})
    assert result.stats.variables == 2 and result.stats.integer == 1 and result.stats.constraints == 1
    assert result.stats.nonzeros == 2
    assert result.certification is not None and result.certification.certified, result.certification


@needs_coptpy
def test_real_coptpy_is_used_and_captured(real_pool: SandboxPool) -> None:
    run = real_pool.run(COPT_PROGRAM)
    assert run.ok, run.error + run.stderr
    assert "STATUS True" in run.stdout
    assert "Cardinal Optimizer" in run.stdout or "license" in run.stdout.lower()  # the chatter stays in stdout
    result = run.result
    assert result is not None
    assert (result.dialect, result.solver) == ("coptpy", "copt")
    assert result.termination.value == "optimal"
    assert result.objective() == pytest.approx(OPTIMUM, rel=1e-9)
    assert result.objective_bound == pytest.approx(OPTIMUM, rel=1e-6)
    assert dict(result.variable_values) == pytest.approx({"x": 4.0, "y": 0.25})
    assert result.stats.variables == 2 and result.stats.integer == 1
    assert result.certification is not None and result.certification.certified, result.certification


@needs_gurobipy
def test_real_gurobipy_infeasible_and_licence_limit(real_pool: SandboxPool) -> None:
    infeasible = real_pool.run(
        "import gurobipy as gp\nm = gp.Model()\nx = m.addVar(ub=1)\nm.addConstr(x >= 2)\n"
        "m.Params.Presolve = 0\nm.optimize()\n"
    )
    assert infeasible.ok, infeasible.error
    assert infeasible.result is not None and infeasible.result.termination.value == "infeasible"
    too_big = real_pool.run(
        "import gurobipy as gp\nm = gp.Model()\nx = m.addVars(2100)\nm.addConstr(x.sum() <= 1)\nm.optimize()\n"
    )
    assert too_big.outcome.value == "runtime_error"
    assert "size-limited license" in too_big.error
    assert too_big.result is not None and too_big.result.termination.value == "solver_error"


@needs_compat
def test_real_requested_but_absent_falls_back_to_compat_with_a_note(hiding_pool: SandboxPool) -> None:
    for program, dialect in ((GUROBI_PROGRAM, "gurobipy"), (COPT_PROGRAM, "coptpy")):
        run = hiding_pool.run(program)
        assert run.ok, run.error
        result = run.result
        assert result is not None
        assert (result.dialect, result.solver) == (dialect, "highs")
        assert any("requested but is not installed" in note for note in result.notes), result.notes
        assert run.isolation is not None
        assert any("requested but is not installed" in note for note in run.isolation.notes)


# -- the coverage script -----------------------------------------------------------------------------------------


def _coverage() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compat_coverage", REPO / "scripts" / "compat_coverage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat_coverage"] = module
    spec.loader.exec_module(module)
    return module


cov = _coverage()


def side(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "outcome": "ok",
        "termination": "optimal",
        "objective": 10.0,
        "solves": 1,
        "solver": "x",
        "exception": "",
        "message": "",
        "unsupported": None,
        "size_limited": False,
        "wall_s": 0.1,
        "notes": [],
    }
    base.update(changes)
    return base


def test_same_objective_rule() -> None:
    assert cov.same_objective(10.0, 10.0 + 9e-6)
    assert not cov.same_objective(10.0, 10.0 + 2e-5)
    assert cov.same_objective(0.0, 9e-7)  # absolute near zero
    assert not cov.same_objective(0.0, 2e-6)
    assert cov.same_objective(1e6, 1e6 + 0.9)
    assert not cov.same_objective(1e6, 1e6 + 1.1)
    assert cov.same_objective(None, None)
    assert not cov.same_objective(1.0, None)


def test_compare_agreement_and_differences() -> None:
    assert cov.compare(side(), side(objective=10.0 + 1e-7)) == ("agree", "same")
    assert cov.compare(side(), side(objective=10.1))[0] == "objective_differs"
    assert cov.compare(side(), side(termination="infeasible", objective=None))[0] == "status_differs"
    assert cov.compare(
        side(termination="infeasible_or_unbounded", objective=None), side(termination="infeasible", objective=None)
    ) == ("agree", "inf_or_unbd")
    infeasible = side(termination="infeasible", objective=None)
    assert cov.compare(infeasible, side(termination="infeasible", objective=5.0))[0] == "agree"


def test_compare_blames_compat_failures() -> None:
    unsupported = side(
        outcome="runtime_error", termination=None, objective=None, solves=0, exception="GurobiError",
        unsupported="Model.cbGetSolution",
    )  # fmt: skip
    assert cov.compare(side(), unsupported) == ("compat_unsupported", "Model.cbGetSolution")
    crash = side(outcome="runtime_error", solves=0, termination=None, exception="TypeError", message="bad operand")
    verdict, key = cov.compare(side(), crash)
    assert verdict == "compat_crash" and "TypeError" in key
    # Solved, but then crashed where the real package did not (an attribute the compat layer lacks).
    after = side(outcome="runtime_error", exception="AttributeError", message="no attribute 'NodeCount'")
    assert cov.compare(side(), after)[0] == "compat_crash"
    # Compat ends normally where the real package raised after its solve.
    assert cov.compare(side(outcome="runtime_error", exception="KeyError"), side())[0] == "outcome_differs"


def test_compare_real_side_failures_are_not_counted_as_agreement() -> None:
    limited = side(outcome="runtime_error", termination="solver_error", objective=None, exception="GurobiError",
                   message="Model too large for size-limited license", size_limited=True)  # fmt: skip
    assert cov.compare(limited, side())[0] == "real_size_limited"
    syntax = side(outcome="syntax_error", termination=None, objective=None, solves=0, exception="SyntaxError")
    assert cov.compare(syntax, syntax)[0] == "both_fail_alike"
    other = side(outcome="runtime_error", termination=None, objective=None, solves=0, exception="NameError")
    assert cov.compare(syntax, other)[0] == "real_failed"
    assert cov.compare(other, side())[0] == "real_failed"  # compat solving what the real side could not is no agreement
    rows = [
        {"verdict": "agree", "key": "same", "real": side(), "compat": side()},
        {"verdict": "objective_differs", "key": "", "real": side(), "compat": side()},
        {"verdict": "both_fail_alike", "key": "", "real": side(), "compat": side()},
        {"verdict": "real_size_limited", "key": "", "real": side(), "compat": side()},
    ]
    tally = cov.tally(rows)
    assert (tally["programs"], tally["real_ok"], tally["same_status"], tally["same_objective"]) == (4, 2, 2, 1)
    assert tally["agreement_pct"] == 50.0


def test_message_parsing() -> None:
    error = 'Traceback (most recent call last):\n  File "model.py", line 3\ngurobipy._exception.GurobiError: boom\n'
    assert cov.exception_of(error) == ("GurobiError", "boom")
    assert cov.exception_of("SyntaxError: invalid syntax") == ("SyntaxError", "invalid syntax")
    assert cov.exception_of("the program was stopped at the wall-clock limit of 60 s")[0] == ""
    assert cov.exception_of("") == ("", "")
    text = "NotImplementedError: unsupported: Model.setPWLObj (piecewise-linear objectives)\n"
    assert cov.unsupported_call("", text) == "Model.setPWLObj"
    assert cov.unsupported_call("nothing here") is None


def _data_dir() -> Path | None:
    path = cov.default_data_dir()
    return path if (path / "train").is_dir() else None


@pytest.mark.slow
@pytest.mark.skipif(_data_dir() is None, reason="benchmark data not found (set OPTAGENT_DATA_DIR)")
def test_coverage_script_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "compat_coverage.py"), "--limit", "3", "--source", "sirl",
         "--source", "or_instruct_sample", "--workers", "1", "--json", str(out), "--markdown", str(tmp_path / "r.md")],
        capture_output=True, text=True, timeout=600, cwd=REPO, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["total"]["programs"] == 6
    assert set(report["sources"]) == {"sirl_gurobi_examples_or_test", "or_instruct_sample100"}
    if _installed("gurobipy") and _installed("coptpy"):
        assert report["total"]["real_ok"] >= 5
    if _compat_ready():
        assert report["total"]["agreement_pct"] is not None
    assert "| **total** | 6 |" in (tmp_path / "r.md").read_text()


@needs_gurobipy
def test_cli_real_solvers_flag(tmp_path: Path) -> None:
    program = tmp_path / "model.py"
    program.write_text(GUROBI_PROGRAM)
    proc = subprocess.run(
        [sys.executable, "-m", "agent.cli", "run", "--real-solvers", "--json", str(program)],
        capture_output=True, text=True, timeout=300, cwd=REPO, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = json.loads(proc.stdout)
    assert run["solves"][-1]["solver"] == "gurobi"


def _deferred_harness_imports(path: Path) -> list[str]:
    """``import solvers...`` statements inside functions of ``path`` (TYPE_CHECKING blocks excepted)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                names = [child.module or ""] if isinstance(child, ast.ImportFrom) else [a.name for a in child.names]
                if any(n == "solvers" or n.startswith("solvers.") for n in names):
                    found.append(f"{path.relative_to(REPO)}:{child.lineno}: {ast.unparse(child)}")
            visit(child, inside)

    visit(tree, False)
    return found


def test_code_that_runs_inside_programs_imports_the_harness_at_module_level() -> None:
    """The compat layer and the captures run inside the program's process, after the worker has removed every
    ``solvers`` module from ``sys.modules`` and while the audit hook blocks reading the harness's files: an
    ``import solvers...`` inside a function then re-imports from disk and ends the run as a sandbox violation.
    Bind what is needed at module level instead (``import solvers.compat.core as core`` breaks an import cycle).
    """
    files = sorted((REPO / "solvers" / "compat").glob("*.py")) + sorted((REPO / "solvers" / "capture").glob("*.py"))
    offending = [line for path in files for line in _deferred_harness_imports(path)]
    assert not offending, "deferred harness imports:\n" + "\n".join(offending)

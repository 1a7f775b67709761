"""Held-out gurobipy/coptpy programs through the sandbox: compat against the real package and recorded answers.

The programs (``heldout_programs.py``) are not in the benchmark data the coverage script measures, so they check
that the compat layer generalises rather than fits the data it was tuned on. Each runs once per side, all of them
in one ``run_many`` per pool (a fork per program from warm workers keeps the module to a few seconds):

* compat (the session ``pool``, default ``commercial="compat"``) against the answer recorded from the real
  package: always, so the test means something where gurobipy/coptpy are not installed;
* compat against the real package run now in a ``commercial="real"`` pool, where the package is importable.

Agreement is the coverage script's rule: same exit outcome, same status ("infeasible or unbounded" matches either
of the two), and ``|a - b| <= 1e-6 * max(1, |a|, |b|)`` on the objective; plus the lines both sides print.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterator

import pytest

from solvers import CodeRun, ModelProgram, SandboxPool, SandboxSettings
from tests.solvers.compat.heldout_programs import PROGRAMS, HeldOut

_INF_OR_UNBD = {"infeasible", "unbounded", "infeasible_or_unbounded"}
_BANNERS = ("Running HiGHS", "THIRD_PARTY_NOTICES")


def _package(program: HeldOut) -> str:
    return "coptpy" if "import coptpy" in program.code or "from coptpy" in program.code else "gurobipy"


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _run_all(pool: SandboxPool, programs: list[HeldOut]) -> dict[str, CodeRun]:
    runs = pool.run_many([ModelProgram.from_source(p.code) for p in programs], time_limit_s=60)
    return {p.name: run for p, run in zip(programs, runs, strict=True)}


@pytest.fixture(scope="module")
def compat_runs(pool: SandboxPool) -> Iterator[dict[str, CodeRun]]:
    """Every program on the compat layer (the session pool, unless the environment switched it to ``real``)."""
    if pool.settings.commercial == "compat":
        yield _run_all(pool, PROGRAMS)
        return
    with SandboxPool(SandboxSettings.from_env(workers=2, time_limit_s=60, commercial="compat")) as own:
        yield _run_all(own, PROGRAMS)


@pytest.fixture(scope="module")
def real_runs() -> Iterator[dict[str, CodeRun]]:
    """The programs whose real package is importable here, on that package (the oracle); empty when none is."""
    runnable = [p for p in PROGRAMS if _installed(_package(p))]
    if not runnable:
        yield {}
        return
    with SandboxPool(SandboxSettings.from_env(workers=2, time_limit_s=60, commercial="real")) as real:
        yield _run_all(real, runnable)


def _status(run: CodeRun) -> str | None:
    return run.result.termination.value if run.result is not None else None


def _objective(run: CodeRun) -> float | None:
    if run.result is None or _status(run) not in ("optimal", "feasible"):
        return None
    return run.result.objective_value


def _same_status(a: str | None, b: str | None) -> bool:
    return a == b or (a in _INF_OR_UNBD and b in _INF_OR_UNBD and "infeasible_or_unbounded" in (a, b))


def _same_objective(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-6 * max(1.0, abs(a), abs(b)))


def _describe(run: CodeRun) -> str:
    return f"outcome={run.outcome.value} status={_status(run)} obj={_objective(run)} error={run.error[-600:]!r}"


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_compat_matches_the_recorded_real_answer(program: HeldOut, compat_runs: dict[str, CodeRun]) -> None:
    run = compat_runs[program.name]
    assert run.outcome.value == "ok", _describe(run)
    assert "unsupported:" not in run.error + run.stdout, _describe(run)
    assert _same_status(_status(run), program.status), _describe(run)
    assert _same_objective(_objective(run), program.objective), _describe(run)
    for line in program.prints:
        assert line in run.stdout, (line, run.stdout[-2000:])
    for banner in _BANNERS:  # HiGHS's constructor banner is not what a gurobipy/coptpy program prints
        assert banner not in run.stdout, run.stdout[:500]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_compat_matches_the_real_package_now(
    program: HeldOut, compat_runs: dict[str, CodeRun], real_runs: dict[str, CodeRun]
) -> None:
    real = real_runs.get(program.name)
    if real is None:
        pytest.skip(f"{_package(program)} is not installed")
    got = compat_runs[program.name]
    assert got.outcome == real.outcome, (_describe(got), _describe(real))
    assert _same_status(_status(got), _status(real)), (_describe(got), _describe(real))
    assert _same_objective(_objective(got), _objective(real)), (_describe(got), _describe(real))
    for line in program.prints:
        assert line in real.stdout, (line, real.stdout[-2000:])


def test_the_held_out_set_covers_both_dialects_and_the_hard_cases() -> None:
    """The acceptance check asked for infeasible, unbounded and a 1,500-variable model among ~30 programs."""
    assert len(PROGRAMS) >= 30
    assert len({p.name for p in PROGRAMS}) == len(PROGRAMS)
    assert {_package(p) for p in PROGRAMS} == {"gurobipy", "coptpy"}
    statuses = {p.status for p in PROGRAMS}
    assert {"optimal", "infeasible", "unbounded", "infeasible_or_unbounded"} <= statuses
    assert any("1500" in p.name for p in PROGRAMS)

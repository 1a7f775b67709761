"""One catalogue of known models, run through the sandbox in every dialect that can express each of them."""

from __future__ import annotations

import pytest

from solvers import Dialect, ModelProgram, RunOutcome, SandboxPool, Termination
from tests.fixtures.known_models import KNOWN_MODEL_CASES, KNOWN_MODELS, KnownModel


def test_every_registered_dialect_is_covered() -> None:
    assert set(KNOWN_MODEL_CASES) == {d.value for d in Dialect}
    for dialect, cases in KNOWN_MODEL_CASES.items():
        assert {"lp", "infeasible"} <= set(cases) or dialect == "ortools", (dialect, cases)


def test_the_required_cases_are_all_present() -> None:
    cases = {m.case for m in KNOWN_MODELS}
    assert {"lp", "milp", "infeasible", "unbounded", "convex_qp", "minlp", "cpsat"} <= cases


@pytest.mark.parametrize("model", KNOWN_MODELS, ids=lambda m: "-".join(p for p in (m.dialect, m.case, m.variant) if p))
def test_known_model(pool: SandboxPool, model: KnownModel) -> None:
    run = pool.run(ModelProgram.from_source(model.source, model.dialect))
    assert run.outcome is RunOutcome.OK, f"{run.outcome}: {run.error}\n{run.stderr[-2000:]}"
    result = run.result
    assert result is not None
    accept = set(model.accept) | {model.termination}
    assert result.termination.value in accept, (result.termination, result.raw_status, result.notes)
    assert result.dialect == model.dialect
    if model.objective is not None:
        assert result.objective_value == pytest.approx(model.objective, rel=model.rel_tol, abs=model.rel_tol)
    for name, value in (model.variables or {}).items():
        assert name in result.variable_values, sorted(result.variable_values)[:20]
        assert result.variable_values[name] == pytest.approx(value, rel=1e-5, abs=1e-5)
    if result.termination is Termination.OPTIMAL and result.stats.problem_class in ("lp", "milp"):
        assert result.certification is not None, result.notes
        assert result.certification.certified, result.certification.detail

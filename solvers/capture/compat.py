"""Capture of solves made through the gurobipy/coptpy compatibility layer (:mod:`solvers.compat`).

Every compat solve goes through ``CoreModel.solve``, which is wrapped here. The wrapper runs inside
``recorder.outer_call()``, so the HiGHS or SCIP solve the compat layer makes underneath is not recorded a second
time; the record is built from ``model.outcome`` (the compat layer's own summary, already in our vocabulary), and the
model as solved (after reformulation) is exported from ``outcome.instance`` when it is linear with an optional
quadratic objective.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solvers.capture import CaptureSession, describe, solve_wrapper
from solvers.capture.highspy import write_instance
from solvers.compat.core import CoreModel, SolveOutcome

if TYPE_CHECKING:
    from solvers.capture.recorder import Recorder

__all__ = ["install"]

_REQUESTED = {"gurobipy": "gurobi", "coptpy": "copt"}


def install(recorder: Recorder) -> None:
    """Wrap ``CoreModel.solve`` so every compat solve reports one record to ``recorder``."""
    current = CoreModel.solve
    if getattr(current, "__optagent_wrapped__", False):
        return
    CoreModel.solve = solve_wrapper(recorder, current, _dialect, _finish)  # type: ignore[method-assign]


def _dialect(model: CoreModel) -> str:
    return str(getattr(model, "dialect", "gurobipy"))


def _finish(session: CaptureSession, model: CoreModel, exc: BaseException | None) -> None:
    record = session.record
    record["requested_solver"] = _REQUESTED.get(session.dialect, "")
    outcome: SolveOutcome | None = model.outcome
    if exc is not None:
        session.note(f"solve raised {describe(exc)}")
    if outcome is None:
        record["termination"] = "solver_error" if exc is not None else "unknown"
        return
    record["solver"] = outcome.solver
    record["solver_version"] = outcome.solver_version
    record["termination"] = outcome.termination
    record["raw_status"] = outcome.raw_status
    record["sense"] = outcome.sense
    record["objective_value"] = outcome.objective_value
    record["objective_bound"] = outcome.objective_bound
    record["mip_gap"] = outcome.mip_gap
    record["variable_values"] = dict(outcome.values)
    if outcome.stats:
        record["stats"] = {**record["stats"], **outcome.stats}
    for note in outcome.notes:
        session.note(note)
    if outcome.instance is not None and session.recorder.export_instances:
        session.attempt(lambda: _export(session, outcome), "instance export")


def _export(session: CaptureSession, outcome: SolveOutcome) -> None:
    instance = outcome.instance
    assert instance is not None
    path = session.recorder.instance_path("mps")
    written = write_instance(path, instance)
    session.record["instance_path"] = path
    session.record["instance_format"] = "mps"
    values = outcome.instance_values
    if values:
        # ``instance_values`` is keyed by the unique names in column order; the writer may have adjusted a name,
        # so re-key by position.
        ordered = list(values.values())
        if len(ordered) == len(written):
            session.instance_values = dict(zip(written, ordered, strict=True))

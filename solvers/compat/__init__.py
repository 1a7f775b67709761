"""Open-source compatibility layer for gurobipy- and coptpy-style model programs.

Programs written for the commercial packages (what SIRL, ORLM and OptMATH checkpoints and GPT-4-class models
write) run unchanged on HiGHS (LP, MILP, convex QP) or SCIP (nonconvex or integer quadratic, quadratic constraints,
indicators, SOS) through the two fronts :mod:`solvers.compat.gurobipy` and :mod:`solvers.compat.coptpy`, which
share one solver-independent model (:class:`solvers.compat.core.CoreModel`). Every solve goes through
``CoreModel.solve``, which the capture module :mod:`solvers.capture.compat` wraps.

The sandbox routes ``import gurobipy`` / ``import coptpy`` to the fronts itself; :func:`activate` does the same
for trusted in-process use (tests, evaluation scripts), keeping any real package aside until :func:`deactivate`.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__all__ = ["FRONTS", "activate", "deactivate"]

FRONTS = {"gurobipy": "solvers.compat.gurobipy", "coptpy": "solvers.compat.coptpy"}
"""Importable name -> compat module implementing it."""

_SAVED: dict[str, ModuleType | None] = {}


def activate(*names: str) -> dict[str, ModuleType]:
    """Make ``import gurobipy`` / ``import coptpy`` (or only ``names``) give the compat fronts in this process.

    Returns:
        The front modules, by the name they now answer to.
    """
    chosen = names or tuple(FRONTS)
    out: dict[str, ModuleType] = {}
    for name in chosen:
        module = importlib.import_module(FRONTS[name])
        if name not in _SAVED:
            _SAVED[name] = sys.modules.get(name)
        sys.modules[name] = module
        out[name] = module
    return out


def deactivate() -> None:
    """Undo :func:`activate`: the real packages (if they had been imported) come back."""
    for name, previous in list(_SAVED.items()):
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        del _SAVED[name]

"""optagent's solver layer: model programs, sandboxed execution, structured and certified solve results.

This package imports nothing else from the project, and importing it loads no solver library: those are
imported by the sandbox workers, once each.
"""

from solvers.program import Dialect, ModelProgram, UnknownDialectError, detect_dialect
from solvers.sandbox import ISOLATION_MODES, SandboxError, SandboxPool, SandboxSettings, run_program
from solvers.types import (
    Certification,
    CodeRun,
    Isolation,
    ModelStats,
    NoSolutionError,
    ObjectiveSense,
    RunOutcome,
    SolveResult,
    Termination,
)

__all__ = [
    "ISOLATION_MODES",
    "Certification",
    "CodeRun",
    "Dialect",
    "Isolation",
    "ModelProgram",
    "ModelStats",
    "NoSolutionError",
    "ObjectiveSense",
    "RunOutcome",
    "SandboxError",
    "SandboxPool",
    "SandboxSettings",
    "SolveResult",
    "Termination",
    "UnknownDialectError",
    "detect_dialect",
    "run_program",
]

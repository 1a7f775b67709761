"""Limits and switches of the sandbox, with defaults that suit small and medium model programs."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["COMMERCIAL_MODES", "ISOLATION_MODES", "SandboxSettings"]

ISOLATION_MODES = ("auto", "bwrap", "namespaces", "none")
"""``auto`` uses bubblewrap when it is installed and works, else the pure-Python namespace fallback."""

COMMERCIAL_MODES = ("compat", "real")
"""What ``import gurobipy`` / ``import coptpy`` gives a program: ``compat`` is optagent's open-source look-alike
(:mod:`solvers.compat`, solving on HiGHS/SCIP); ``real`` is the installed commercial package, where there is one."""

_ENV_PREFIX = "OPTAGENT_SANDBOX_"


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """How model programs are confined. Every limit applies to one run of one program.

    Each field can be set from the environment as ``OPTAGENT_SANDBOX_<FIELD>`` (see :meth:`from_env`).
    """

    workers: int = 0
    """Warm worker processes; 0 means one per CPU core."""
    time_limit_s: float = 60.0
    """Wall-clock limit of one run; the whole process tree is killed when it passes."""
    memory_mb: int = 2048
    """Address space a run may add on top of the preloaded solver libraries (RLIMIT_AS)."""
    cpu_time_s: int | None = None
    """CPU-seconds limit (RLIMIT_CPU); None means the wall-clock limit plus a small margin."""
    max_file_mb: int = 256
    """Largest file a run may write (RLIMIT_FSIZE)."""
    max_processes: int = 64
    """Processes and threads a run may have at once (RLIMIT_NPROC, per sandbox uid)."""
    max_output_bytes: int = 256 * 1024
    """Stdout and stderr each keep at most this much (head and tail); the rest is drained and dropped."""
    isolation: str = "auto"
    """One of :data:`ISOLATION_MODES`."""
    allow_network: bool = False
    """Only for trusted programs: keeps the host network inside the sandbox."""
    audit_guard: bool = True
    """Classify forbidden actions with an audit hook (``sandbox_violation``). Turning it off leaves only the
    operating-system confinement, which is how the tests show that layer holds on its own."""
    certify: bool = True
    """Re-solve exported linear/quadratic instances with HiGHS in a separate process."""
    export_instances: bool = True
    certify_time_limit_s: float = 30.0
    uid_base: int = 61000
    """Runs of worker ``i`` use uid/gid ``uid_base + i`` when the pool is started as root."""
    preload: tuple[str, ...] = ("numpy", "highspy", "pyomo.environ", "cvxpy", "ortools", "pyscipopt")
    """Modules each worker imports once, so runs skip their import cost."""
    extra_env: Mapping[str, str] = field(default_factory=dict)
    """Variables passed to programs in addition to the minimal safe environment (never the caller's)."""
    commercial: str = "compat"
    """One of :data:`COMMERCIAL_MODES`. ``compat`` (the default) makes results reproducible on any machine and
    independent of licences; ``real`` runs the installed gurobipy/coptpy (falling back to compat, with a note on
    each solve, for a package that is not installed), for users with licences and for measuring the compat layer
    against the real thing (``scripts/compat_coverage.py``)."""

    def __post_init__(self) -> None:
        if self.isolation not in ISOLATION_MODES:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATION_MODES)}, not {self.isolation!r}")
        if self.commercial not in COMMERCIAL_MODES:
            raise ValueError(f"commercial must be one of {', '.join(COMMERCIAL_MODES)}, not {self.commercial!r}")
        for name in ("time_limit_s", "memory_mb", "max_file_mb", "max_processes", "max_output_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")

    @property
    def worker_count(self) -> int:
        """The number of workers the pool starts."""
        return self.workers or max(1, os.cpu_count() or 1)

    def cpu_limit(self, time_limit_s: float) -> int:
        """RLIMIT_CPU for a run with the given wall-clock limit."""
        if self.cpu_time_s is not None:
            return self.cpu_time_s
        return int(time_limit_s) + 2

    def replace(self, **changes: Any) -> SandboxSettings:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> SandboxSettings:
        """Defaults, then ``OPTAGENT_SANDBOX_*`` variables, then ``overrides``.

        Raises ``ValueError`` naming the variable when a value does not parse.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(_ENV_PREFIX + f.name.upper())
            if raw is None or f.name in ("extra_env",):
                continue
            try:
                values[f.name] = _parse(f.type, raw)
            except ValueError:
                raise ValueError(f"{_ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {f.type}") from None
        values.update(overrides)
        return cls(**values)


def _parse(type_name: Any, raw: str) -> Any:
    text = str(type_name)
    if text.startswith("bool"):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    if text.startswith("tuple"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if text.startswith("int"):
        return None if raw.lower() == "none" else int(raw)
    if text.startswith("float"):
        return float(raw)
    return raw

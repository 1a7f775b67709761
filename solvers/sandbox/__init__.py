"""Sandboxed execution of untrusted model programs: a warm pool of isolated workers."""

from solvers.sandbox.pool import SandboxError, SandboxPool, run_program
from solvers.sandbox.settings import ISOLATION_MODES, SandboxSettings

__all__ = ["ISOLATION_MODES", "SandboxError", "SandboxPool", "SandboxSettings", "run_program"]

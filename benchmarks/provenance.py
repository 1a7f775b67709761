"""Where a run's numbers came from: the versions of the packages that can change them and the code's git revision.

Both the runner and the replay put these into the run spec, so a report can say exactly which solvers and which
checkout produced it (and a resumed run can be checked against them).
"""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["KEY_PACKAGES", "git_revision", "package_versions"]

KEY_PACKAGES = (
    "optagent",
    "langgraph",
    "highspy",
    "pyomo",
    "pyscipopt",
    "ortools",
    "cvxpy",
    "gurobipy",
    "coptpy",
    "openai",
    "httpx",
)
"""Packages whose versions go into a run spec: those that can change a program's result or the LLM traffic."""


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed version of each of ``names`` (absent packages are left out)."""
    versions: dict[str, str] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_revision() -> str:
    """The checkout's commit (``+dirty`` when tracked files changed), or "" outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return head + ("+dirty" if dirty else "")

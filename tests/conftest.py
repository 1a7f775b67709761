"""Shared fixtures and the opt-in flags for slow, GPU and network tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from solvers import SandboxPool, SandboxSettings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run tests marked slow")
    parser.addoption("--run-gpu", action="store_true", help="run tests marked gpu")
    parser.addoption("--run-network", action="store_true", help="run tests marked network")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    flags = {"slow": "--runslow", "gpu": "--run-gpu", "network": "--run-network"}
    for item in items:
        for marker, flag in flags.items():
            if marker in item.keywords and not config.getoption(flag):
                item.add_marker(pytest.mark.skip(reason=f"needs {flag}"))


@pytest.fixture(scope="session")
def pool() -> Iterator[SandboxPool]:
    """One warm pool for the whole session (the default isolation: bubblewrap where available)."""
    with SandboxPool(SandboxSettings.from_env(workers=2, time_limit_s=60)) as shared:
        yield shared


@pytest.fixture(scope="session")
def os_only_pool() -> Iterator[SandboxPool]:
    """A pool without the audit hook: what the operating-system confinement holds on its own."""
    with SandboxPool(SandboxSettings.from_env(workers=1, time_limit_s=20, audit_guard=False)) as shared:
        yield shared

#!/usr/bin/env bash
# The project's test command (README and CI run exactly this): set up, lint, type-check, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Benchmark data lives beside the checkout (../shared/benchmarks) unless OPTAGENT_DATA_DIR says otherwise.
export OPTAGENT_DATA_DIR="${OPTAGENT_DATA_DIR:-$(cd .. && pwd)/shared/benchmarks}"
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"

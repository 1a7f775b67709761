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
# The real-model checks (SmolLM2 generating on the CPU, and a round trip through a local `transformers serve`
# endpoint) are marked slow; CI runs them here, once.
if [ "$#" -eq 0 ]; then
  .venv/bin/python -m pytest --runslow -q tests/agent/test_llm_local.py tests/agent/test_llm_server.py
fi

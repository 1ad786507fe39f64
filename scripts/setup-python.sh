#!/usr/bin/env bash
# Creates .venv with the reference libraries that parity tests, golden generators and benches
# compare against (torch CPU, transformers, peft, safetensors, tokenizers, tensorboard, trl).
# Installs from the machine's pip configuration (a local index here; PyPI elsewhere).
# Idempotent: a venv that already imports everything is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${FTS_VENV:-.venv}"
PY="$VENV/bin/python"
check='import torch, transformers, peft, safetensors, tokenizers, tensorboard, trl'
if [ -x "$PY" ] && "$PY" -c "$check" 2>/dev/null; then
  echo "$PY"
  exit 0
fi
python3 -m venv "$VENV"
# The CPU build of torch: the default Linux wheel pulls gigabytes of CUDA libraries.
# --retries 0: where the default index is unreachable (offline, local index in pip.conf), fail over at once.
"$PY" -m pip install -q --disable-pip-version-check --retries 0 -r scripts/requirements-reference.txt 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
"$PY" -c "$check"
echo "$PY"

#!/usr/bin/env bash
# Runs the integer-percentage Monte Carlo benchmark twice on this machine: scrutineer (Rust)
# and the Python reference of the same method (numpy). Prints both as Markdown tables.
# numpy goes into a throwaway venv under /tmp (override with VENV=...).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-/tmp/scrutineer-bench-venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import numpy" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy
fi
cargo run --release -q -p bench -- forensics-mc
echo
echo "## forensics-mc: Python reference"
# numpy's binomial sampler does not use BLAS; the OpenBLAS overrides only slow it down.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" bench/python/integer_percentages.py --runs "${RUNS:-3}"

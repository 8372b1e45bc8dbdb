#!/usr/bin/env bash
# Install the danq package from the repository holding this workflow into the fresh environment.
set -euo pipefail
pip install --no-deps "${DANQ_SOURCE:?the Snakefile sets DANQ_SOURCE to the repository root}"

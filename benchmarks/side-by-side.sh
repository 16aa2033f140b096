#!/usr/bin/env sh
# Dsl's workloads W1-W5 side by side with the NumPy/PyTorch peers of benchmarks/peers/ (issue 6).
# The report (Markdown) goes to standard output, progress to standard error. Options: --help; a quick run: --quick.
# See benchmarks/README.md for the method.
set -eu
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project benchmarks/Dsl.Benchmarks -- side-by-side "$@"

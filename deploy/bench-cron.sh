#!/usr/bin/env bash
# Cron benchmark: builds the release binary and runs deploy/bench-cron.py (herald against cronsim) with the Python
# environment of deploy/requirements-test.txt (python_env in deploy/lib.sh). Results go in BENCHMARKS.md.
# Usage: deploy/bench-cron.sh [CASES]   (default 100,000)
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh

install_packages
python_env
say "building (release)"
swift build -c release >/dev/null
exec "$herald_python" deploy/bench-cron.py "$(swift build -c release --show-bin-path)/herald" "$@"

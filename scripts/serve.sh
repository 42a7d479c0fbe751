#!/usr/bin/env bash
# Set up (first run only) and serve Insight on http://127.0.0.1:8050 with embedded defaults:
# PostgreSQL in ./instance/pgdata, files in ./instance/storage, the offline analysis engine.
# Extra arguments go to `python -m insight_dash` (e.g. --port 8060).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
ensure_apt_packages libmagic1 libseccomp2
ensure_venv requirements.txt
cd "$ROOT"
exec "$VENV/bin/python" -m insight_dash "$@"

#!/usr/bin/env bash
# Set up (first run only) and run the whole test suite: real PostgreSQL (embedded pgserver),
# a moto S3 server over HTTP, and headless Chromium. Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
ensure_apt_packages libmagic1 libseccomp2 chromium chromium-driver redis-server
ensure_venv requirements-dev.txt
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"

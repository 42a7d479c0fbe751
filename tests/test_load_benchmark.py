"""The load benchmark still drives the app: Locust users sign in, browse and ask, and every
question they asked ends in PostgreSQL. Its figures are not checked here (timings belong to the
benchmark's report, never to a test); its functional verdict is: `--check` exits 1 on any
error or lost QueryLog."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_short_load_run_has_no_errors_and_loses_no_question(tmp_path: Path):
    results = tmp_path / "load.json"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load.py"), "--users", "2", "--seconds", "8",
                          "--think", "0.5", "--workers", "2", "--threads", "4", "--check", "--results", str(results)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(results.read_text())
    assert figures["questions"]["stored"] >= 1
    assert figures["questions"]["statuses"] == {"success": figures["questions"]["stored"]}
    assert figures["requests"] > 0 and figures["errors"]["total"] == 0
    # Every answered question's wait in line was logged, and what it cost the browser was counted.
    assert figures["queue_wait_ms"] is not None and figures["answer_bytes"]["median"] > 0

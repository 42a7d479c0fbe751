"""Benchmark scripts (run them as files: `.venv/bin/python benchmarks/NAME.py`). The servers
and clients they drive Insight with are the test harness's (`tests/harness/`)."""

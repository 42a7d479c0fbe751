"""Benchmark scripts (run them as files: `.venv/bin/python benchmarks/NAME.py`) and the
serving harness they share (`benchmarks.serving`)."""

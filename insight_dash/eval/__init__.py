"""Answer-quality evaluation: `python -m insight_dash.eval` (see harness.py)."""

"""Insight: ask questions of your spreadsheets."""
import os

# No outbound call may happen at import: litellm would fetch its model cost map and PandasAI
# would send telemetry (only the exact lowercase "true" turns that off). Both read these
# variables when they are imported, so they are set before anything else in the package.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ["SCARF_NO_ANALYTICS"] = "true"
os.environ["DO_NOT_TRACK"] = "true"
# Arrow buffers from the C library's allocator: freed memory goes back to the system, where
# Arrow's default (mimalloc) kept it. Measured on one Gunicorn worker after two 950k-row CSV
# ingests and a few grid pages: 861 MiB resident with mimalloc, 424 MiB with this; every job
# forked from a worker carries what it holds. Read when pyarrow is first imported.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from insight_dash.app import create_app  # noqa: E402

__all__ = ["create_app"]

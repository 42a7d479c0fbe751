"""Insight: ask questions of your spreadsheets.

Importing the package only sets environment defaults that libraries read at their own import:
the sandbox zygote (`insight_dash.sandbox.zygote`) imports it too, and must not load the web
app. The app is built by `insight_dash.app.create_app`."""
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

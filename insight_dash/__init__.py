"""Insight: ask questions of your spreadsheets."""
import os

# No outbound call may happen at import: litellm would fetch its model cost map and PandasAI
# would send telemetry (only the exact lowercase "true" turns that off). Both read these
# variables when they are imported, so they are set before anything else in the package.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ["SCARF_NO_ANALYTICS"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

from insight_dash.app import create_app  # noqa: E402

__all__ = ["create_app"]

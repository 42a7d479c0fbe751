"""Colours of the dataset status badges (the values themselves: services/formatting.py)."""

STATUS_COLORS = {"pending": "secondary", "processing": "info", "ready": "success", "error": "danger"}

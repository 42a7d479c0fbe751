"""Callbacks of the dataset workspace that are not about the data itself; each one reads the
acting user and calls a service (the services check ownership)."""

"""Pure layout builders: data in, Dash components out. No database, no I/O."""

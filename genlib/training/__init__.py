"""Training: configs, one fit() for every model kind, the run session, progress events, background jobs."""

"""Runs on disk: the run store (the only code that knows a run folder's file names), loading, shipped runs."""

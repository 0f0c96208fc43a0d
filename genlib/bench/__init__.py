"""The benchmark: our loops timed beside faithful re-implementations of the classic loops they replace."""

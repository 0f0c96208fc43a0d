"""Errors a user can cause and fix. Their message is shown as is, without a traceback."""


class GenlibError(Exception):
    """Base class: the message says what was wrong and what to do."""


class DataError(GenlibError):
    """A dataset file is missing or corrupt, or a dataset cannot be fetched."""


class ConfigError(GenlibError):
    """A training or evaluation setting is out of range."""


class RunError(GenlibError):
    """A saved run is missing, incomplete, corrupt or of the wrong kind."""

"""Errors a user can cause and fix. Their message is shown as is, without a traceback."""


class GenlibError(Exception):
    """Base class: the message says what was wrong and what to do."""


class DataError(GenlibError):
    """A dataset file is missing or corrupt, or a dataset cannot be fetched."""


class ConfigError(GenlibError):
    """A setting is out of range. `setting` names the config field; each front end shows its own name for it
    (the CLI its flag, a form its field's label) through `named`."""

    def __init__(self, message: str, setting: str | None = None):
        super().__init__(message)
        self.setting = setting

    def named(self, name_of) -> str:
        """The message with the setting called what `name_of(setting)` says, e.g. '--lr' or 'Learning rate'."""
        text = str(self)
        if self.setting and text.startswith(self.setting):
            return name_of(self.setting) + text[len(self.setting):]
        return text


class RunError(GenlibError):
    """A saved run is missing, incomplete, corrupt or of the wrong kind."""

"""Errors that end a run with exit code 2 and a one-line message."""


class PromsecError(Exception):
    """A usage, configuration or tool error: the CLI prints ``str(error)`` and exits 2."""


class ConfigError(PromsecError):
    """The configuration could not be read or holds a value we do not accept."""

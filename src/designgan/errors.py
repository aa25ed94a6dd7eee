"""User-facing errors: one line, naming the file or key at fault."""

from __future__ import annotations


class DesignGANError(Exception):
    """An error caused by the user's input; the CLI prints it as one line and exits with code 2."""


class ConfigError(DesignGANError):
    """A config file or override is invalid (unknown key, wrong type)."""


class DataError(DesignGANError):
    """A dataset, image or annotation file is missing, unreadable or inconsistent."""

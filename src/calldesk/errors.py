"""Errors shared across calldesk. Each names where the bad input was and why it was refused."""

from __future__ import annotations


class CalldeskError(Exception):
    """Base class for every error calldesk raises on purpose."""


class ConfigError(CalldeskError):
    """A configuration value was refused. `key_path` is dotted, e.g. `switches[0].password`."""

    def __init__(self, key_path: str, reason: str, source: str | None = None) -> None:
        self.key_path = key_path
        self.reason = reason
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key_path}: {reason}")


class CommandRefused(CalldeskError):
    """An ESL command was not built because a value could break the frame (CR, LF, ...)."""


class ESLError(CalldeskError):
    """A command sent to a switch failed (a `-ERR` reply, a timeout or a lost connection)."""


class CommandTimeout(ESLError):
    """The switch did not answer a command in time."""


class NotConnected(ESLError):
    """The switch connection is down, or is resyncing and accepts no new work."""

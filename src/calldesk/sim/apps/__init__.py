"""Dialplan applications, one module per family. Importing this package registers them all."""

from . import avmd, basic, bridge, digits, eavesdrop, playback, record, say, socket  # noqa: F401

"""Dialplan applications, one module per family. Importing this package registers them all.
(`conference` and `hold` belong to call control; their api commands are in callops.py.)"""

from . import (  # noqa: F401
    avmd,
    basic,
    bridge,
    conference,
    digits,
    eavesdrop,
    hold,
    playback,
    record,
    say,
    socket,
)

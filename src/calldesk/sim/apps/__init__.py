"""Dialplan applications, one module per family. Importing this package registers them all.
(`attxfer`, `conference` and `hold` belong to call control; their api commands are in callops.py.)"""

from . import (  # noqa: F401
    attxfer,
    avmd,
    basic,
    bridge,
    conference,
    detect,
    digits,
    eavesdrop,
    hold,
    playback,
    record,
    say,
    socket,
)

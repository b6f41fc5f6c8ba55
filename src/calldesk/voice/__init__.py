"""calldesk.voice: the engine's voice adapter. It carries the ACD's decisions out on the
switches over ESL (originate agent legs, bridge, MOH and announcements, callbacks, overflow)
and reports legs back as core events. `VoiceAdapter(engine, board, ...)`; the composition root
subscribes `adapter.watch.on_leg` to the leg tracker and `adapter.on_resync` to each switch."""

from calldesk.voice.adapter import OverflowHook, VoiceAdapter
from calldesk.voice.legmaps import LegMaps, Ring
from calldesk.voice.legwatch import LegGone, LegWatch
from calldesk.voice.media import Voice

__all__ = ["LegGone", "LegMaps", "LegWatch", "OverflowHook", "Ring", "Voice", "VoiceAdapter"]

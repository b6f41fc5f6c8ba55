"""calldesk.engine: the medium-neutral side of the ACD.

`Engine(acd, store, clock, settings)` owns the pure core: inbox, batches, persistence, replay,
snapshots and the read-only view. Medium adapters (`calldesk.voice.VoiceAdapter`, and the
digital ones) are registered with `add_adapter(medium, adapter)` in the composition root; they
carry decisions out and post results back.
"""

from calldesk.engine.adapter import MediumAdapter, ReconcileAbsent, Repair
from calldesk.engine.engine import Engine
from calldesk.engine.persist import EngineStore
from calldesk.engine.settings import DispatchSettings

__all__ = ["DispatchSettings", "Engine", "EngineStore", "MediumAdapter", "ReconcileAbsent",
           "Repair"]

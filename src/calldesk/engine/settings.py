"""What the dispatcher plays, dials and waits for. Everything has a default that works against
FreeSWITCH 1.10's stock sounds and against the simulated switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DispatchSettings:
    # MOH must be an app that `uuid_break` ends (announcements break it, then start it again):
    # `playback` of a local stream plays until broken; `endless_playback` restarts its file on
    # a break and so cannot be interrupted (mod_dptools.c endless_playback_function).
    moh_app: str = "playback"
    moh: str = "local_stream://moh"
    # A caller offered to an agent on arrival hears MOH only if that agent has not answered
    # within this many seconds (a free agent answers first; 0: MOH at once, always).
    moh_delay_s: float = 1.0
    # Position announcement: app and argument; {position} and {wait_min} are filled in.
    announce_app: str = "say"
    announce_arg: str = "en number pronounced {position}"
    # An announcement breaks MOH and waits this long for its completion before it plays, and
    # at most `announce_timeout_s` for the announcement itself (clock seconds).
    announce_break_timeout_s: float = 2.0
    announce_timeout_s: float = 120.0
    # Queued callbacks dial this endpoint; {number} is the customer's number.
    callback_endpoint: str = "loopback/{number}/default"
    callback_timeout_s: float = 30.0
    voicemail_context: str = "default"
    # The switch must confirm a bridge (CHANNEL_BRIDGE for the pair) within this many clock
    # seconds, or the connect failed: the caller goes back to the head of the queue and the
    # agent leg is hung up (a leg without media and no RTP timer bridges ~5 s late, if ever).
    bridge_confirm_s: float = 3.0
    reconcile_every_s: float = 60.0
    # `Engine.enqueue` returns once the arrival is recorded (wall seconds to wait at most; 0:
    # fire and forget), so a flow never marks `enqueued` what a crash then forgets.
    enqueue_wait_s: float = 10.0
    # Each periodic check also reads `show channels`; a mapped leg it lacks, and that no event
    # has explained `settle_s` later, is gone.
    resync_on_reconcile: bool = True
    settle_s: float = 2.0
    # A leg the tracker has never seen is only "gone" once its mapping is this old.
    grace_s: float = 2.0
    # Snapshot the ACD core and delete the recorded inputs it covers (restart then restores
    # it and replays only what came after) every this many batches, or this many clock
    # seconds if any batch came since; 0 turns either trigger off.
    snapshot_every_batches: int = 5000
    snapshot_every_s: float = 3600.0
    # Under load the worker steps at most once per this many wall seconds: each step commits
    # once (store.tx), so what came in meanwhile shares that commit. An idle worker steps at
    # once; 0: every step as soon as work arrives.
    step_every_s: float = 0.01
    # How many clock seconds pass per real second (the simulated switch's time scale).
    time_scale: float = 1.0
    # Optional probe, called (mark, interaction) at: enqueued, offered (the worker decided),
    # originate_sent (handed to the connection), originate_acked (the switch's +OK), bridged.
    trace: Callable[[str, str], None] | None = None

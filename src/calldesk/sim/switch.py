"""SimSwitch: the simulated FreeSWITCH node. Holds legs, fires events, serves ESL on loopback."""

from __future__ import annotations

import logging
import socket
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent

from . import apps as _apps  # noqa: F401 - registers the applications
from . import executor, lifecycle, media
from .clock import Clock
from .dialplan import Dialplan
from .events import SimEvent, base_block
from .legheaders import leg_runs
from .legs import Leg, Message, new_uuid
from .phones import PhoneBehavior, normalize_target
from .registry import Registry
from .site import SiteConf, Throttle
from .wire import Block, Pairs, Part

log = logging.getLogger(__name__)


class SimSwitch:
    """A simulated FreeSWITCH. See README "The simulated switch" for the control API."""

    def __init__(
        self,
        password: str,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float = 1.0,
        recordings_dir: str | Path | None = None,
        dialplan: Dialplan | None = None,
        default_playback_seconds: float = 3.0,
        hostname: str = "calldesk-sim",
        sounds_dir: str | None = None,
        site: SiteConf | None = None,
        history: int = 5000,
    ) -> None:
        """`history`: how many fired events to keep in `history` (tests read them); 0 keeps
        none, and then an event no connection subscribed to is never serialized, as on
        FreeSWITCH, whose event socket encodes only the events a listener asked for."""
        if not password:
            raise ValueError("the simulated switch needs a password (no default)")
        self.password = password
        self.host = host
        self.port = port
        self.clock = Clock(time_scale)
        self.recordings_dir = Path(recordings_dir) if recordings_dir else Path.cwd() / "recordings"
        self.dialplan = dialplan or Dialplan()
        self.default_playback_seconds = default_playback_seconds
        self.sounds_dir = sounds_dir
        self.core_uuid = new_uuid()
        self.hostname = hostname
        self.ipv4 = "127.0.0.1"
        self.ipv6 = "::1"
        self.legs: dict[str, Leg] = {}
        self.phones: dict[str, PhoneBehavior] = {}
        self.callee_pools: list[Any] = []  # calldesk.sim.callees.CalleePool, newest first
        self.connections: set[Any] = set()
        self.history: deque[SimEvent] = deque(maxlen=history)
        self.listeners: list[Callable[[SimEvent], None]] = []
        self.sessions_since_start = 0
        self.global_vars: dict[str, str] = {
            "recordings_dir": str(self.recordings_dir),
            "hostname": hostname,
            "domain": "127.0.0.1",
            "local_ip_v4": "127.0.0.1",
        }
        self._seq = 0
        self._wanted: dict[str, bool] = {}  # event name -> may a connection want it
        self.header_cache: Any = None  # the switch's own header lines (events.base_block)
        self.api_pending: dict[Any, tuple[str, str]] = {}  # greenlet -> its running api command
        self._server: Any = None
        self._started_epoch = self.clock.epoch()
        self.registry = Registry(self)
        self.site = site or SiteConf()  # the configuration the switch runs (sim/site.py)
        self.throttle = Throttle()
        self.known_users: set[str] = set()  # users added or registered (no explicit directory)

    # -- lifecycle of the server -------------------------------------------------------------
    def start(self) -> SimSwitch:
        """Start serving ESL (non-blocking); `self.port` is the bound port afterwards."""
        from .server import make_server

        self._server = make_server(self, self.host, self.port)
        self._server.start()
        self.port = self._server.server_port
        log.info("sim switch listening on %s:%s", self.host, self.port)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(timeout=1)
            self._server = None
        for conn in list(self.connections):
            conn.close()
        for leg in list(self.legs.values()):
            if leg.executor is not None:
                leg.executor.kill(block=False)

    def crash(self) -> None:
        """Die like a killed FreeSWITCH: drop every socket, leave recordings with 0-byte headers."""
        for leg in list(self.legs.values()):
            for rec in list(leg.recordings.values()):
                rec.crash()
            leg.recordings.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
        for conn in list(self.connections):
            conn.abort()
        for leg in list(self.legs.values()):
            if leg.executor is not None:
                leg.executor.kill(block=False)
        self.legs.clear()

    # -- events ------------------------------------------------------------------------------
    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def fire(
        self,
        leg: Leg,
        name: str,
        pre: Pairs | None = None,
        post: Pairs | None = None,
        before_base: Pairs | None = None,
        variables: bool = True,
        calling: tuple[str, str, int] | None = None,
        at: float | None = None,
    ) -> SimEvent:
        """Fire a leg event: base headers, `pre`, the leg's data, `post`.

        `at`: the epoch instant the event is dated (Event-Date-*), when the action that fires it
        has already read the clock for values the event carries; default: one reading now."""
        self._seq = seq = self._seq + 1
        if not self.history.maxlen and not self.listeners:
            wanted = self._wanted.get(name)
            if wanted is None:
                wanted = self._subscribed(name)
            if not wanted:
                return SimEvent.of_parts(name, leg.uuid, seq, 0.0, None)  # nobody reads it
        if at is None:
            at = self.clock.epoch()
        base = base_block(self, name, seq, None, calling, epoch=at)
        parts: list[Part] = [list(before_base) + base.pairs] if before_base else [base]
        if pre:
            parts.append(pre)
        parts += leg_runs(leg, name, None if variables else False)
        if post:
            parts.append(post)
        ev = SimEvent.of_parts(name, leg.uuid, seq, self.clock.sim_time(at), parts)
        self._dispatch(ev)
        return ev

    def fire_global(
        self,
        name: str,
        post: Pairs,
        body: str | None = None,
        subclass: str | None = None,
        uuid: str | None = None,
        calling: tuple[str, str, int] | None = None,
        at: float | None = None,
    ) -> SimEvent:
        """Fire a non-leg event (BACKGROUND_JOB, CUSTOM ...); `at` as for `fire`."""
        seq = self.next_seq()
        if (
            name != "CUSTOM"  # a session may re-fire a CUSTOM event later (refire): keep it whole
            and not self.history.maxlen
            and not self.listeners
            and not self._subscribed(name)
        ):
            return SimEvent(name, [], body=body, subclass=subclass, uuid=uuid, seq=seq)
        at = self.clock.epoch() if at is None else at
        parts: list[Part] = [base_block(self, name, seq, subclass, calling, epoch=at), post]
        ev = SimEvent(
            name,
            None,
            body=body,
            subclass=subclass,
            uuid=uuid,
            seq=seq,
            fired_sim=self.clock.sim_time(at),
            parts=parts,
        )
        self._dispatch(ev)
        return ev

    def refire(self, ev: SimEvent, extra: Block) -> SimEvent:
        """Fire `ev` again with the same Event-Sequence and `extra` headers appended (a session
        re-firing an event queued to it, as mod_avmd's events are)."""
        parts: list[Part] = [ev.headers, extra]
        copy = SimEvent(
            ev.name,
            ev.headers + extra.pairs,
            body=ev.body,
            subclass=ev.subclass,
            uuid=ev.uuid,
            seq=ev.seq,
            fired_sim=self.clock.now(),
            parts=parts,
        )
        self._dispatch(copy)
        return copy

    def api_event(self, cmd: str, arg: str) -> None:
        """The API event switch_api_execute fires once the command has run."""
        post = [("API-Command", cmd)] + ([("API-Command-Argument", arg)] if arg else [])
        self.fire_global("API", post)

    def flush_api_event(self) -> None:
        """Fire the API event of the command this greenlet runs, if not fired yet. A hangup
        calls it right after CHANNEL_HANGUP: in FreeSWITCH the api returns there and the rest
        of the teardown runs on the leg's own thread (events-json-call)."""
        pending = self.api_pending.pop(gevent.getcurrent(), None)
        if pending is not None:
            self.api_event(*pending)

    def subscriptions_changed(self) -> None:
        """A connection came, went, authenticated or changed what it listens to."""
        self._wanted.clear()

    def _subscribed(self, name: str) -> bool:
        """Whether any connection may want an event of this name (before its filters); kept
        per name until a subscription changes (`subscriptions_changed`)."""
        wanted = self._wanted.get(name)
        if wanted is None:
            wanted = any(conn.subscribed(name) for conn in self.connections)
            self._wanted[name] = wanted
        return wanted

    def _dispatch(self, ev: SimEvent) -> None:
        if self.history.maxlen:
            self.history.append(ev)
        for conn in list(self.connections):
            try:
                conn.deliver(ev)
            except Exception:  # one bad connection must not stop the others
                log.exception("sim: event delivery failed")
        for fn in list(self.listeners):
            fn(ev)

    def log_line(self, leg: Leg | None, level: int, text: str) -> None:
        for conn in list(self.connections):
            conn.deliver_log(leg, level, text)

    # -- legs ---------------------------------------------------------------------------------
    def register(self, leg: Leg) -> None:
        self.legs[leg.uuid] = leg
        self.sessions_since_start += 1
        leg.set_var("direction", leg.direction)
        leg.set_var("uuid", leg.uuid)
        leg.set_var("session_id", str(self.sessions_since_start))
        leg.set_var("channel_name", leg.name)
        leg.set_var("call_uuid", leg.uuid)

    def admit_session(self) -> bool:
        """One new session against the session-rate throttle (switch.conf sessions-per-second);
        False: refused ("Throttle Error!"), the caller reports DESTINATION_OUT_OF_ORDER."""
        if self.throttle.admit(self.site.sessions_per_second, self.clock.now()):
            return True
        self.log_line(None, 3, "Throttle Error! 0")
        return False

    def user_known(self, user: str) -> bool:
        """Does `user/<user>` resolve in the directory (else SUBSCRIBER_ABSENT)?"""
        if self.site.directory is not None:
            return user in self.site.directory
        return user in self.known_users

    def forget(self, leg: Leg) -> None:
        self.legs.pop(leg.uuid, None)
        leg.destroyed.set()

    def get_leg(self, uuid: str) -> Leg | None:
        leg = self.legs.get(uuid.strip())
        return leg if leg is not None and not leg.hungup else None

    def dialplan_apps(self, leg: Leg, dest: str, context: str) -> list[tuple[str, str]] | None:
        return self.dialplan.route(dest, context, self.clock.epoch())

    def playback_seconds(self, path: str) -> float:
        return media.duration(path, self.default_playback_seconds, self.sounds_dir)

    def recording_path(self, path: str) -> str:
        p = Path(path)
        return str(p if p.is_absolute() else self.recordings_dir / p)

    # -- the control API ------------------------------------------------------------------------
    def add_phone(self, target: str, behavior: PhoneBehavior) -> None:
        """A simulated phone reachable at once as `user/<id>` (or any dial string given),
        registered silently (no sofia events). Use `register_phone` for the events."""
        key = normalize_target(target)
        self.phones[key] = behavior
        if key.startswith("user/"):
            self.known_users.add(key[5:])
        if key.startswith("user/") and behavior.kind != "unregistered":
            self.registry.add_silently(key[5:])

    def add_callees(self, pool: Any) -> None:
        """Numbers under `pool.prefix` with no phone of their own are drawn from the pool."""
        self.callee_pools.insert(0, pool)

    def phone_for(self, key: str) -> PhoneBehavior | None:
        """The phone at a normalized dial target: its own, else a callee pool's draw."""
        phone = self.phones.get(key)
        if phone is None:
            phone = next((p for pool in self.callee_pools if (p := pool.phone(key))), None)
        return phone

    def remove_phone(self, target: str) -> None:
        key = normalize_target(target)
        self.phones.pop(key, None)
        if key.startswith("user/"):
            self.registry.regs.pop(key[5:], None)

    def register_phone(
        self, user: str, behavior: PhoneBehavior, expires: int = 3600, refresh: bool = True
    ) -> None:
        """Phone `user` REGISTERs: sofia::register_attempt + sofia::register, reachable as
        `user/<user>`. With `refresh=False` it never re-registers and expires (sofia::expire)."""
        self.registry.register(user.removeprefix("user/"), behavior, expires, refresh=refresh)

    def unregister_phone(self, user: str) -> bool:
        """Phone `user` sends REGISTER Expires: 0 (sofia::unregister); it becomes unreachable."""
        return self.registry.unregister(user.removeprefix("user/"))

    def inject_call(
        self,
        did: str,
        caller_id: str = "+15550101",
        caller_name: str = "Customer 1",
        dtmf: list[tuple[float, str]] | None = None,
        hangup_after: float | None = None,
        context: str = "public",
        variables: dict[str, str] | None = None,
    ) -> str:
        """A SIP call arrives for `did`; returns its uuid. `dtmf` is [(seconds, digits)].
        Refused by the session-rate throttle (503 to the INVITE, no event): returns ""."""
        if not self.admit_session():
            return ""
        port = 5090 + (self.sessions_since_start % 900)
        name = f"sofia/external/{caller_id}@127.0.0.1:{port}"
        leg = Leg(self, name, "inbound", caller_id, caller_name, did, context=context)
        for k, v in (variables or {}).items():
            leg.set_var(k, v)
        self.register(leg)
        leg.set_var("sip_from_user", caller_id)
        leg.set_var("sip_from_host", "127.0.0.1")
        leg.set_var("sip_to_user", did)
        leg.set_var("sip_req_user", did)
        leg.set_var("sip_call_id", f"{leg.uuid[:8]}@127.0.0.1")
        leg.set_var("sofia_profile_name", "external")
        lifecycle.set_state(self, leg, "CS_NEW")
        lifecycle.set_state(self, leg, "CS_INIT")
        self.fire(leg, "CHANNEL_CREATE")
        leg.state = "CS_ROUTING"
        lifecycle.set_callstate(self, leg, "RINGING")
        lifecycle.set_state(self, leg, "CS_ROUTING")
        apps = self.dialplan.route(did, context, self.clock.epoch())
        if apps is None:
            lifecycle.hangup(self, leg, "NO_ROUTE_DESTINATION")
            return leg.uuid
        lifecycle.set_state(self, leg, "CS_EXECUTE")
        executor.start(self, leg, apps)
        if dtmf or hangup_after is not None:
            gevent.spawn(self._caller_script, leg, list(dtmf or []), hangup_after)
        return leg.uuid

    def _caller_script(
        self, leg: Leg, dtmf: list[tuple[float, str]], hangup_after: float | None
    ) -> None:
        start = self.clock.now()
        for at, digits in sorted(dtmf):
            self.clock.sleep(at - (self.clock.now() - start))
            if leg.hungup:
                return
            self.queue_dtmf(leg, digits)
        if hangup_after is not None:
            self.clock.sleep(hangup_after - (self.clock.now() - start))
            if not leg.hungup:
                leg.set_var("sip_hangup_disposition", "recv_bye")
                lifecycle.hangup(self, leg, "NORMAL_CLEARING")

    def queue_dtmf(self, leg: Leg, digits: str) -> None:
        for d in digits:
            if d in "0123456789*#ABCDabcd":
                leg.dtmf.append(d.upper())
                leg.digits_dialed += d.upper()
        leg.poke()

    def send_dtmf(self, uuid: str, digits: str) -> bool:
        """The caller presses keys on leg `uuid`."""
        leg = self.get_leg(uuid)
        if leg is None:
            return False
        self.queue_dtmf(leg, digits)
        return True

    def hangup(self, uuid: str, cause: str = "NORMAL_CLEARING") -> bool:
        """The far end hangs up (a BYE): `sip_hangup_disposition` becomes recv_bye."""
        leg = self.get_leg(uuid)
        if leg is None:
            return False
        leg.set_var("sip_hangup_disposition", "recv_bye")
        lifecycle.hangup(self, leg, cause)
        return True

    def kill(self, uuid: str, cause: str = "NORMAL_CLEARING") -> bool:
        leg = self.get_leg(uuid)
        if leg is None:
            return False
        lifecycle.hangup(self, leg, cause)
        return True

    def sendmsg(self, leg: Leg, msg: Message) -> None:
        leg.messages.append(msg)
        leg.poke()

    def eavesdrop_mode(self, uuid: str) -> dict[str, object] | None:
        """Current eavesdrop mode of leg `uuid` (the eavesdropping leg), or None."""
        leg = self.legs.get(uuid)
        st = leg.eavesdrop if leg is not None else None
        return st.as_dict() if st is not None else None

    def machine_beep(self, leg: Leg) -> None:
        """An answering machine's beep on `leg`'s far end: avmd::beep where avmd can hear it."""
        from .apps import avmd

        avmd.far_end_beep(self, leg)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait (wall seconds) until no leg is left; True if it happened."""
        # gevent documents Timeout(s, False) as a silent timeout; its stubs do not allow False
        with gevent.Timeout(timeout, False):  # type: ignore[arg-type]
            while self.legs:
                gevent.sleep(0.005)
            return True
        return False

    @property
    def started_epoch(self) -> float:
        return self._started_epoch

    def uptime(self) -> float:
        return self.clock.epoch() - self._started_epoch


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

"""Simulated SIP registrations on the `internal` profile (the sofia-register trace).

- register: `sofia::register_attempt` then `sofia::register`; `sofia_contact` answers at once, but
  `show registrations` (the core table, written asynchronously) only after CORE_LAG.
- unregister (REGISTER Expires: 0): `sofia::register_attempt` (expires 0) then `sofia::unregister`.
- expiry: sofia keeps a registration for Expires + 60 s and scans every 30 s, so `sofia::expire`
  comes at the first scan after that; its `expires` is an absolute epoch time.
- A phone with `refresh=True` (the default) re-registers silently before expiry, like a real phone.

One clock reading per action: a registration's events are dated (Event-Date-*) at the instant
that is its `registered_at`, and `sofia::expire` at the scan that finds it expired, so that the
times they carry agree exactly whatever the time scale makes of the sim's own delays.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gevent

if TYPE_CHECKING:
    from .phones import PhoneBehavior
    from .switch import SimSwitch

CORE_LAG = (
    1.0  # s until `show registrations` sees a new registration (trace: empty, then 2 s later)
)
EXPIRE_MARGIN = 60.0  # sofia keeps a registration this long past Expires
SCAN_EVERY = 30.0  # sofia's expiry scan interval
FILE = "sofia_reg.c"
REGISTER_TOKEN = "sofia_reg_handle_register_token"
_CALL_IDS = itertools.count(1)


@dataclass
class Registration:
    user: str
    domain: str
    expires: int
    contact_port: int
    network_port: int
    call_id: str
    registered_at: float  # epoch seconds
    visible_at: float  # epoch seconds: when `show registrations` lists it
    refresh: bool = True
    user_agent: str = "calldesk-sim-phone"
    expiry: Any = None  # the expiry greenlet

    @property
    def contact(self) -> str:
        return f'"" <sip:{self.user}@127.0.0.1:{self.contact_port}>'

    @property
    def url(self) -> str:
        return f"sofia/internal/sip:{self.user}@127.0.0.1:{self.contact_port}"

    def directory(self) -> list[tuple[str, str]]:
        """The directory user's variables that sofia::register/unregister carry (vanilla)."""
        u, d = self.user, self.domain
        return [
            ("sip_number_alias", u), ("sip_auth_username", u), ("sip_auth_realm", d),
            ("number_alias", u), ("user_name", u), ("domain_name", d), ("record_stereo", "true"),
            ("default_gateway", "example.com"), ("default_areacode", "918"),
            ("transfer_fallback_extension", "operator"),
            ("toll_allow", "domestic,international,local"), ("accountcode", u),
            ("user_context", "default"), ("effective_caller_id_name", f"Extension {u}"),
            ("effective_caller_id_number", u), ("outbound_caller_id_name", "FreeSWITCH"),
            ("outbound_caller_id_number", "0000000000"), ("callgroup", "techsupport"),
        ]  # fmt: skip


class Registry:
    """The internal profile's registrations, keyed by user id."""

    def __init__(self, sw: SimSwitch) -> None:
        self.sw = sw
        self.regs: dict[str, Registration] = {}
        self.core_lag = CORE_LAG
        self._ports = itertools.count(0)
        self._port_of: dict[str, int] = {}  # a phone keeps its ports across registrations

    def _k(self, user: str) -> int:
        if user not in self._port_of:
            self._port_of[user] = next(self._ports)
        return self._port_of[user]

    def _fire(
        self, subclass: str, line: int, post: list[tuple[str, str]], func: str, at: float
    ) -> None:
        self.sw.fire_global("CUSTOM", post, subclass=subclass, calling=(FILE, func, line), at=at)

    def _attempt(self, r: Registration, expires: int, at: float) -> None:
        self._fire("sofia::register_attempt", 1606, [
            ("profile-name", "internal"), ("from-user", r.user), ("from-host", r.domain),
            ("contact", r.contact), ("call-id", r.call_id), ("rpid", "unknown"),
            ("status", "Registered(UDP)"), ("expires", str(expires)), ("to-user", r.user),
            ("to-host", r.domain), ("network-ip", "127.0.0.1"),
            ("network-port", str(r.network_port)), ("username", r.user), ("realm", r.domain),
            ("user-agent", r.user_agent), ("auth-result", "RENEWED"),
        ], REGISTER_TOKEN, at)  # fmt: skip

    def register(
        self,
        user: str,
        behavior: PhoneBehavior,
        expires: int = 3600,
        domain: str = "127.0.0.1",
        refresh: bool = True,
    ) -> Registration:
        """The phone REGISTERs (digest auth passes): events, contact, core table after a lag."""
        self.sw.known_users.add(user)
        old = self.regs.pop(user, None)
        if old is not None and old.expiry is not None:
            old.expiry.kill(block=False)
        k = self._k(user)
        now = self.sw.clock.epoch()
        r = Registration(user, domain, expires, 5099 + 2 * k, 5098 + 2 * k,
                         f"{next(_CALL_IDS)}-{self.sw.sessions_since_start}@127.0.0.1", now,
                         now + self.core_lag, refresh)  # fmt: skip
        self.regs[user] = r
        self.sw.phones[f"user/{user}"] = behavior
        self._attempt(r, expires, now)
        self._fire("sofia::register", 2059, [
            ("profile-name", "internal"), ("from-user", user), ("from-host", domain),
            ("presence-hosts", f"{domain},{domain}"), ("contact", r.contact),
            ("call-id", r.call_id), ("rpid", "unknown"), ("status", "Registered(UDP)"),
            ("expires", str(expires)), ("to-user", user), ("to-host", domain),
            ("network-ip", "127.0.0.1"), ("network-port", str(r.network_port)),
            ("username", user), ("realm", domain), ("user-agent", r.user_agent),
        ] + r.directory(), REGISTER_TOKEN, now)  # fmt: skip
        if not refresh:
            r.expiry = gevent.spawn(self._expire_later, r)
        return r

    def add_silently(self, user: str) -> None:
        """A phone given with `add_phone`: reachable and listed at once, no events."""
        if user not in self.regs:
            now = self.sw.clock.epoch()
            k = self._k(user)
            self.regs[user] = Registration(user, "127.0.0.1", 3600, 5099 + 2 * k, 5098 + 2 * k,
                                           f"{next(_CALL_IDS)}-0@127.0.0.1", now, now)  # fmt: skip

    def unregister(self, user: str) -> bool:
        """REGISTER with Expires: 0: attempt, then sofia::unregister; the phone is unreachable."""
        r = self.regs.pop(user, None)
        self.sw.phones.pop(f"user/{user}", None)
        if r is None:
            return False
        if r.expiry is not None:
            r.expiry.kill(block=False)
        now = self.sw.clock.epoch()
        self._attempt(r, 0, now)
        self._fire("sofia::unregister", 2213, [
            ("profile-name", "internal"), ("username", user), ("from-user", user),
            ("from-host", r.domain), ("contact", r.contact), ("call-id", r.call_id),
            ("rpid", "unknown"), ("realm", r.domain), ("network-ip", "127.0.0.1"),
            ("network-port", str(r.network_port)), ("user-agent", r.user_agent), ("expires", "0"),
        ] + r.directory(), REGISTER_TOKEN, now)  # fmt: skip
        return True

    def _expire_later(self, r: Registration) -> None:
        clock = self.sw.clock
        deadline = r.registered_at + r.expires + EXPIRE_MARGIN
        since = deadline - self.sw.started_epoch
        scan = self.sw.started_epoch + (int(since // SCAN_EVERY) + 1) * SCAN_EVERY
        # the scan happens at `scan`: the event is dated then, however late this greenlet wakes
        clock.sleep(max(0.0, scan - clock.epoch()))
        if self.regs.get(r.user) is not r:
            return
        del self.regs[r.user]
        self.sw.phones.pop(f"user/{r.user}", None)
        self._fire("sofia::expire", 726, [
            ("profile-name", "internal"), ("call-id", r.call_id), ("user", r.user),
            ("username", r.user), ("host", r.domain), ("contact", r.contact),
            ("expires", str(int(deadline))), ("user-agent", r.user_agent), ("realm", r.domain),
            ("network-ip", "127.0.0.1"), ("network-port", str(r.network_port)),
        ], "sofia_reg_del_callback", scan)  # fmt: skip

    def contact(self, user: str) -> str | None:
        r = self.regs.get(user)
        return r.url if r is not None else None

    def rows(self) -> list[dict[str, str]]:
        """`show registrations` rows: only what the core table has caught up with."""
        now = self.sw.clock.epoch()
        return [
            {"reg_user": r.user, "realm": r.domain, "token": r.call_id, "url": r.url,
             "expires": str(int(r.registered_at + r.expires + EXPIRE_MARGIN)),
             "network_ip": "127.0.0.1", "network_port": str(r.network_port),
             "network_proto": "udp", "hostname": self.sw.hostname, "metadata": ""}
            for r in self.regs.values() if r.visible_at <= now
        ]  # fmt: skip

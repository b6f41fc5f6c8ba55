"""Check a FreeSWITCH configuration directory without starting FreeSWITCH.

Well-formed XML, the required files, sections and modules, every X-PRE-PROCESS include
resolvable, and the security rules: no default or weak password, ESL with an inbound ACL (and
a deny-by-default one when it listens beyond loopback), SIP profiles that authenticate and log
auth failures, no trunk without ACL or auth, DIDs that park, no direct bridge to a gateway.

Also what FreeSWITCH 1.10 itself needs for the configuration to work (each rule names the
source it comes from): every context a profile, gateway or user points at exists; every user
has a dial-string and sits in the domain `user/NNNN` resolves to; SIP INFO DTMF is accepted;
the MOH stream exists; `sound_prefix` is set; every SIP profile has an RTP timer; a `languages`
section whose languages have phrases/macros and a loaded say module; env-set has the `name=$VAR` form and the ESL
password it feeds has a fallback; no profile ACL that waives the password of phones.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from calldesk.fsconf.errors import Problem
from calldesk.fsconf.settings import DEFAULT_PASSWORDS, MIN_PASSWORD

REQUIRED_FILES = (
    "freeswitch.xml", "vars.xml",
    "autoload_configs/modules.conf.xml", "autoload_configs/switch.conf.xml",
    "autoload_configs/event_socket.conf.xml", "autoload_configs/sofia.conf.xml",
    "autoload_configs/acl.conf.xml", "autoload_configs/local_stream.conf.xml",
)  # fmt: skip
REQUIRED_SECTIONS = ("configuration", "dialplan", "directory")
REQUIRED_MODULES = ("mod_event_socket", "mod_sofia", "mod_dptools", "mod_commands",
                    "mod_dialplan_xml", "mod_loopback", "mod_local_stream", "mod_sndfile",
                    "mod_hash", "mod_flite", "mod_say_en", "mod_tone_stream")  # fmt: skip
IP_AUTH_PLACEHOLDER = "ip-authenticated"
ENV = "<from environment>"
_GLOBAL = re.compile(r"\$\$\{([A-Za-z0-9_]+)\}")


def _params(el: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in el.iter("param")}


def _vars(el: ET.Element) -> dict[str, str]:
    return {v.get("name", ""): v.get("value", "") for v in el.iter("variable")}


class _Checker:
    def __init__(self, files: dict[str, str]) -> None:
        self.texts = files
        self.trees: dict[str, ET.Element] = {}
        self.problems: list[Problem] = []
        self.globals: dict[str, str] = {}
        self.env_fallback: dict[str, bool] = {}  # env-set global -> a `set` preceded it

    def add(self, file: str, where: str, reason: str) -> None:
        self.problems.append(Problem(file, where, reason))

    def expand(self, value: str) -> str:
        return _GLOBAL.sub(lambda m: self.globals.get(m.group(1), m.group(0)), value)

    # --- structure ----------------------------------------------------------------------------
    def parse(self) -> None:
        for name, text in sorted(self.texts.items()):
            try:
                self.trees[name] = ET.fromstring(text)
            except ET.ParseError as exc:
                line, col = exc.position
                self.add(name, f"line {line}, column {col}", f"XML is not well-formed: {exc}")
        for req in REQUIRED_FILES:
            if req not in self.texts:
                self.add(req, "(file)", "required file is missing")

    def includes(self) -> None:
        for name, root in self.trees.items():
            base = posixpath.dirname(name)
            for pi in root.iter("X-PRE-PROCESS"):
                cmd, data = pi.get("cmd", ""), pi.get("data", "")
                if cmd == "set" and "=" in data:
                    key, _, value = data.partition("=")
                    self.globals[key.strip()] = value.strip()
                elif cmd == "env-set" and "=" in data:
                    key, _, value = data.partition("=")
                    key = key.strip()
                    if not value.startswith("$") or len(value) < 2:
                        # switch_xml.c preprocess_env_set: getenv() only for `name=$VAR`
                        self.add(name, f"X-PRE-PROCESS env-set {data!r}",
                                 "FreeSWITCH ignores env-set data that is not name=$VARIABLE")  # fmt: skip
                    fallback = key in self.globals and self.globals[key] != ENV
                    self.env_fallback[key] = fallback or self.env_fallback.get(key, False)
                    self.globals[key] = ENV
                elif cmd == "include":
                    pattern = posixpath.normpath(posixpath.join(base, data))
                    if not any(fnmatch.fnmatchcase(f, pattern) for f in self.texts):
                        self.add(name, f"X-PRE-PROCESS include {data!r}", "matches no file")
        root = self.trees.get("freeswitch.xml")
        if root is not None:
            found = {s.get("name") for s in root.iter("section")}
            for sec in REQUIRED_SECTIONS:
                if sec not in found:
                    self.add("freeswitch.xml", f"section[{sec}]", "required section is missing")

    def languages(self) -> None:
        """switch_xml.c switch_xml_locate_language: section languages > language[name] >
        phrases > macros, else `say` fails ("Open of languages and phrases failed.")."""
        root = self.trees.get("freeswitch.xml")
        if root is None:
            return
        sec = next((s for s in root.iter("section") if s.get("name") == "languages"), None)
        if sec is None:
            self.add("freeswitch.xml", "section[languages]",
                     "missing: `say` plays nothing (Open of languages and phrases failed)")  # fmt: skip
            return
        langs = list(sec.iter("language"))
        if not langs and not list(sec.iter("X-PRE-PROCESS")):
            self.add("freeswitch.xml", "section[languages]", "holds no <language>")
        loaded = self.loaded_modules()
        for lang in langs:
            where = f"language[{lang.get('name')}]"
            phrases = lang.find("phrases")
            if phrases is None or phrases.find("macros") is None:
                self.add("freeswitch.xml", where,
                         "needs <phrases><macros/></phrases> (Can't find phrases/macros tag)")  # fmt: skip
            module = lang.get("say-module") or lang.get("name", "")
            if loaded is not None and f"mod_say_{module}" not in loaded:
                self.add("autoload_configs/modules.conf.xml", f"load[mod_say_{module}]",
                         f"{where} says with mod_say_{module}, which is not loaded")  # fmt: skip

    def loaded_modules(self) -> set[str] | None:
        root = self.trees.get("autoload_configs/modules.conf.xml")
        return None if root is None else {m.get("module", "") for m in root.iter("load")}

    def modules(self) -> None:
        root = self.trees.get("autoload_configs/modules.conf.xml")
        if root is None:
            return
        loaded = {m.get("module") for m in root.iter("load")}
        for mod in REQUIRED_MODULES:
            if mod not in loaded:
                self.add(
                    "autoload_configs/modules.conf.xml",
                    f"load[{mod}]",
                    "required module is not loaded",
                )

    def variables(self) -> None:
        if "vars.xml" in self.trees and "sound_prefix" not in self.globals:
            # the say app and say modules play digits/*.wav relative to sound_prefix
            self.add("vars.xml", "X-PRE-PROCESS set sound_prefix",
                     "sound_prefix is not set: `say` cannot find its sound files")  # fmt: skip

    def local_stream(self) -> None:
        name = "autoload_configs/local_stream.conf.xml"
        root = self.trees.get(name)
        if root is None:
            return
        dirs = {d.get("name", "") for d in root.iter("directory")}
        if not dirs:
            # mod_local_stream.c mod_local_stream_load: no stream launched -> module refused
            self.add(name, "directory", "no <directory>: FreeSWITCH refuses mod_local_stream")
        hold = self.expand(self.globals.get("hold_music", ""))
        if hold.startswith("local_stream://"):
            stream = hold[len("local_stream://") :]
            if stream not in dirs:
                self.add(name, f"directory[{stream}]",
                         f"hold_music {hold} names no stream in local_stream.conf")  # fmt: skip

    def contexts(self) -> set[str]:
        return {ctx.get("name", "") for name, root in self.trees.items()
                if name.startswith("dialplan/") for ctx in root.iter("context")}  # fmt: skip

    # --- security -------------------------------------------------------------------------------
    def password(self, file: str, where: str, raw: str) -> None:
        value = self.expand(raw)
        if value == ENV:
            return
        if _GLOBAL.search(value):
            self.add(file, where, f"{raw} is not set in vars.xml")
        elif not value:
            self.add(file, where, "password is empty")
        elif value in DEFAULT_PASSWORDS:
            self.add(file, where, f"well-known default password {value!r}")
        elif len(value) < MIN_PASSWORD:
            self.add(file, where, f"weak password ({len(value)} < {MIN_PASSWORD} characters)")

    def acl_lists(self) -> dict[str, ET.Element]:
        root = self.trees.get("autoload_configs/acl.conf.xml")
        return {} if root is None else {lst.get("name", ""): lst for lst in root.iter("list")}

    def event_socket(self) -> None:
        name = "autoload_configs/event_socket.conf.xml"
        root = self.trees.get(name)
        if root is None:
            return
        p = _params(root)
        self.password(name, "param[password]", p.get("password", ""))
        listen = self.expand(p.get("listen-ip", ""))
        try:
            loopback = ipaddress.ip_address(listen).is_loopback
        except ValueError:
            self.add(name, "param[listen-ip]", f"{listen!r} is not an IP address")
            return
        raw = p.get("password", "")
        for var in _GLOBAL.findall(raw):
            if self.env_fallback.get(var) is False:
                # mod_event_socket.c config(): an empty password becomes ClueCon
                self.add(name, "param[password]",
                         f"$${{{var}}} comes from env-set with no fallback `set` before it: "
                         "without that variable in FreeSWITCH's environment ESL would accept "
                         "ClueCon")  # fmt: skip
        acl = p.get("apply-inbound-acl", "")
        lists = self.acl_lists()
        if not acl:
            why = (
                "ESL listens beyond loopback without an ACL"
                if not loopback
                else "ESL has no inbound ACL"
            )
            self.add(name, "param[apply-inbound-acl]", why)
        elif acl not in lists:
            self.add(
                name, "param[apply-inbound-acl]", f"ACL list {acl!r} is not defined in acl.conf"
            )
        elif not loopback and lists[acl].get("default", "deny") != "deny":
            self.add(
                "autoload_configs/acl.conf.xml", f"list[{acl}]", "ESL ACL must deny by default"
            )

    def profiles(self) -> None:
        lists = self.acl_lists()
        contexts = self.contexts()
        for name, root in self.trees.items():
            for prof in root.iter("profile"):
                if not name.startswith("sip_profiles/"):
                    continue
                pname = prof.get("name", "?")
                settings = prof.find("settings")
                p = _params(settings) if settings is not None else {}
                where = f"profile[{pname}]"
                ctx = p.get("context", "default")
                if ctx not in contexts:
                    self.add(name, f"{where}.context", f"context {ctx!r} is in no dialplan file")
                if p.get("liberal-dtmf") != "true":
                    # sofia.c sofia_handle_sip_i_info: "IGNORE INFO DTMF" on RFC 2833 calls
                    self.add(name, f"{where}.liberal-dtmf",
                             "must be true: SIP INFO digits are dropped on calls that "
                             "negotiated RFC 2833")  # fmt: skip
                if p.get("apply-register-acl"):
                    # sofia_reg.c sofia_reg_handle_sip_i_register: REG_AUTO_REGISTER, no digest
                    self.add(name, f"{where}.apply-register-acl",
                             "registrations from this ACL are accepted without a password; "
                             "restrict phones with the directory's auth-acl")  # fmt: skip
                if p.get("disable-register") != "true" and p.get("apply-inbound-acl"):
                    # sofia.c sofia_handle_sip_i_invite: an ACL hit sets is_auth, no digest
                    self.add(name, f"{where}.apply-inbound-acl",
                             "calls from this ACL skip digest auth on a profile phones register "
                             "to (no password, no user variables)")  # fmt: skip
                timer = p.get("rtp-timer-name", "")
                if timer in ("", "none"):
                    # switch_core_media.c: no timer, a leg with no RTP blocks each read 5 s
                    self.add(name, f"{where}.rtp-timer-name",
                             "must be set (soft): without an RTP timer a leg that gets no RTP "
                             "delays uuid_bridge, DTMF and BYE by ~5 s")  # fmt: skip
                if p.get("log-auth-failures") != "true":
                    self.add(name, f"{where}.log-auth-failures", "must be true (fail2ban needs it)")
                if p.get("auth-calls") != "true":
                    self.add(name, f"{where}.auth-calls", "must be true: unauthenticated calls")
                for blind in ("accept-blind-reg", "accept-blind-auth"):
                    if p.get(blind) == "true":
                        self.add(name, f"{where}.{blind}", "accepts anyone")
                acl = p.get("apply-inbound-acl", "")
                acl_ok = acl in lists and any(
                    n.get("type") == "allow" for n in lists[acl].iter("node")
                )
                for gw in prof.iter("gateway"):
                    g = _params(gw)
                    gname = f"{where}.gateway[{gw.get('name')}]"
                    gctx = g.get("context", ctx)
                    if gctx not in contexts:
                        self.add(name, f"{gname}.context",
                                 f"context {gctx!r} is in no dialplan file")  # fmt: skip
                    if g.get("password") == IP_AUTH_PLACEHOLDER:
                        if not acl_ok:
                            self.add(name, gname, "trunk has neither auth nor a carrier ACL")
                    else:
                        self.password(name, f"{gname}.password", g.get("password", ""))

    def directory(self) -> None:
        lists = self.acl_lists()
        contexts = self.contexts()
        domains = []
        for name, root in self.trees.items():
            if not name.startswith("directory/"):
                continue
            for domain in root.iter("domain"):
                dname = self.expand(domain.get("name", ""))
                domains.append(dname)
                dparams = domain.find("params")
                dp = _params(dparams) if dparams is not None else {}
                dvars = domain.find("variables")
                dv = _vars(dvars) if dvars is not None else {}
                acl = dp.get("auth-acl")
                if acl is not None and acl not in lists:
                    # sofia_reg.c sofia_reg_parse_auth: an unknown list matches nobody
                    self.add(name, f"domain[{dname}].auth-acl",
                             f"ACL list {acl!r} is not defined in acl.conf")  # fmt: skip
                for user in domain.iter("user"):
                    if user.get("type") == "pointer":
                        continue
                    uid = user.get("id")
                    up = _params(user)
                    uv = _vars(user)
                    pw = up.get("password")
                    where = f"user[{uid}].password"
                    if pw is None:
                        self.add(name, where, "user has no password")
                    else:
                        self.password(name, where, pw)
                    if "dial-string" not in up and "dial-string" not in dp:
                        # mod_dptools.c user_outgoing_channel: "No dial-string available"
                        self.add(name, f"user[{uid}].dial-string",
                                 "no dial-string (user or domain): originate user/"
                                 f"{uid} fails")  # fmt: skip
                    uctx = uv.get("user_context", dv.get("user_context"))
                    if uctx is not None and uctx not in contexts:
                        self.add(name, f"user[{uid}].user_context",
                                 f"context {uctx!r} is in no dialplan file")  # fmt: skip
        want = self.expand(self.globals.get("domain", ""))
        if domains and want and want not in domains:
            # mod_dptools.c user_outgoing_channel: user/NNNN looks in switch_core_get_domain()
            self.add("vars.xml", "X-PRE-PROCESS set domain",
                     f"domain {want!r} is no directory domain ({', '.join(domains)}): "
                     "user/NNNN would not resolve")  # fmt: skip

    def dialplan(self) -> None:
        for name, root in self.trees.items():
            if not name.startswith("dialplan/"):
                continue
            for ext in root.iter("extension"):
                actions = [a for a in ext.iter("action")]
                apps = [a.get("application", "") for a in actions]
                where = f"extension[{ext.get('name')}]"
                for a in actions:
                    if a.get("application") == "bridge" and "gateway/" in a.get("data", ""):
                        self.add(
                            name,
                            where,
                            "bridges to a gateway directly, bypassing calldesk's allow-list",
                        )
                if any(a.get("data", "").startswith("calldesk_flow=") for a in actions):
                    if not apps or apps[-1] != "park":
                        self.add(
                            name, where, "a DID must end with park so calldesk drives the call"
                        )
                    if not {"answer", "pre_answer"} & set(apps):
                        self.add(name, where, "a DID must answer or pre_answer before park")


def check_files(files: dict[str, str]) -> list[Problem]:
    """Check rendered files ({relative path: XML text}); returns every problem found."""
    c = _Checker({k: v for k, v in files.items() if k.endswith(".xml")})
    c.parse()
    c.includes()
    c.modules()
    c.languages()
    c.variables()
    c.local_stream()
    c.event_socket()
    c.profiles()
    c.directory()
    c.dialplan()
    return c.problems


def check_dir(path: Path) -> list[Problem]:
    if not path.is_dir():
        return [Problem(str(path), "(dir)", "not a directory")]
    files = {p.relative_to(path).as_posix(): p.read_text(errors="replace")
             for p in sorted(path.rglob("*.xml")) if p.is_file()}  # fmt: skip
    return check_files(files)

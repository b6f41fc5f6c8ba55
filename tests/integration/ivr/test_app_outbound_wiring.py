"""The composition root builds the outbound dialer from `trunks:`/`outbound:` and hands it to
the dispatcher (callbacks) and the IVR (external transfers); without trunks, neither has one."""

from __future__ import annotations

import shutil
from pathlib import Path

from calldesk.app import build
from calldesk.config import load_config

FLOWS = Path(__file__).parents[3] / "ivrflows"
TRUNKS = """trunks:
  - {name: carrier-b, gateway: {proxy: 198.51.100.20, auth: ip}, acl: [198.51.100.20],
     max_legs: 2, dids: [{number: "+15550000000", flow: hello}]}
outbound: {allow: ["+1NXXNXXXXXX"]}
"""


def controller(tmp_path: Path, extra: str):
    shutil.copytree(FLOWS, tmp_path / "ivrflows")
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text(
        "switches: [{name: sw1, host: 127.0.0.1, port: 1, password: not-the-default-pw}]\n"
        f"store: {{path: {tmp_path / 'app.sqlite'}}}\n"
        f"flows: {{dir: {tmp_path / 'ivrflows'}}}\n"
        "queues: [{name: general}, {name: billing}, {name: support}, {name: vip}]\n" + extra
    )
    return build(load_config(cfg, env={}))


def test_trunks_configured_wire_the_dialer(tmp_path) -> None:
    c = controller(tmp_path, TRUNKS)
    try:
        dialer = c.voice.callbacks.dial.__self__
        assert [t.name for t in dialer.router.trunks] == ["carrier-b"]
        assert c.ivr.runner.outbound_check == dialer.allows
        assert all(s.settings.dial == dialer.dial for s in c.ivr.services.values())
        assert not dialer.allows("+19005551234") and dialer.allows("+12125551234")
        refused = list(c.store.journal.read(kind="outbound.refused"))
        assert refused[0].data["code"] == "premium"
    finally:
        c.store.close()


def test_without_trunks_the_endpoint_template_is_kept(tmp_path) -> None:
    c = controller(tmp_path, "")
    try:
        assert c.voice.callbacks.dial is None and c.ivr.runner.outbound_check is None
    finally:
        c.store.close()

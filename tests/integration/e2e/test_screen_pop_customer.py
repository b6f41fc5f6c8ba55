"""The screen pop of a real call carries the customer the caller's number names: the arrival is
attached to a customer (calldesk.customers), and the pop published to the agent has its context,
identities (caller ID: unverified) and last contacts."""

from __future__ import annotations

from pathlib import Path

from calldesk.config import load_config
from calldesk.demo.run import run_demo

ROOT = Path(__file__).parents[3]


def test_the_pop_names_the_customer(tmp_path) -> None:
    config = load_config(ROOT / "calldesk.yaml", env={})
    result = run_demo(config, calls=4, agents=2, time_scale=25.0, seed=5, workdir=tmp_path)
    assert result["answered"] >= 1 and result["lost"] == 0
    from calldesk.store import Store

    store = Store.open(tmp_path / "calldesk.sqlite")
    pops = [e.data for e in store.journal.read(kind="screen_pop")]
    assert pops and all("context" in p for p in pops)
    named = [p["context"] for p in pops if p["context"].get("customer")]
    assert named, pops[0]
    phone = named[0]["customer"]["identities"][0]
    assert phone["kind"] == "phone" and phone["verified"] is False  # caller ID proves nothing

"""Campaigns dial end to end inside the controller `calldesk serve` builds, on the simulated
switch, with agents: progressive, power and predictive pacing; the safe-harbour message on a
live answer no agent took; AMD on the answered leg (the switch's detect_audio/detect_silence);
notification broadcasts; preview from the HTTP API; callbacks; pause that hangs up nothing."""

from __future__ import annotations

import pytest
from tests.integration.dialer.serve_env import SCALE, campaign, serve_env
from tests.integration.dispatch.helpers import wait_for
from tests.integration.supervision.test_cli_supervise import run as run_cli

from calldesk.dialer.compliance import report
from calldesk.sim import PhoneBehavior

LIVE, BUSY, SILENT = "+12125550122", "+12125550133", "+12125550144"
L2, L3, MACHINE = "+12125550155", "+12125550166", "+12125550177"


def _violations(env, name: str) -> int:  # noqa: ANN001
    rep = report(name, env.dstore.ledger(name, 0, 4e9), 0, 4e9)
    return sum(len(v) for v in rep.violations.values())


def _rows(env, name: str, n: int, timeout: float = 30) -> dict:  # noqa: ANN001
    wait_for(lambda: len(env.ledger(name)) >= n, timeout=timeout, what=f"{n} ledger rows")
    return env.ledger(name)


@pytest.mark.parametrize("mode", ["progressive", "power", "predictive"])
def test_paced_modes_dial_through_serve_and_reach_the_agent(tmp_path, mode) -> None:  # noqa: ANN001
    calls = [(LIVE, PhoneBehavior.answer(after=1.0, hangup_after=20)),
             (BUSY, PhoneBehavior.busy()), (SILENT, PhoneBehavior.no_answer())]
    # scale 4: the 2 s answer-to-agent limit is 500 ms of wall time (at 10, a 270 ms stall of
    # a loaded CI box broke it: a quiet box takes 0.45 s simulated, 45 ms)
    with serve_env(tmp_path, [campaign("spring", mode, ratio=2)], {"spring": calls},
                   scale=4.0) as env:
        env.ctl.services.agents.login(env.ctl.services.user("a1"), "a1", True)
        rows = _rows(env, "spring", 3)
        live = rows[LIVE]
        assert live["outcome"] == "answer" and live["agent"] == "a1" and live["abandoned"] == 0
        assert live["answer_to_agent_s"] <= 2.0 and live["grace_from"] == "answer"
        assert rows[BUSY]["outcome"] == "busy" and rows[SILENT]["outcome"] == "no_answer"
        assert rows[SILENT]["ring_s"] >= 15
        leg = env.ctl.store.journal.read(subject=live["interaction"], kind="outbound.connected")
        leg = next(iter(leg)).data["leg"]
        create = env.events(leg, "CHANNEL_CREATE")[0]
        assert dict(create.headers)["variable_originate_timeout"] == "15"  # ring >= 15 s
        assert dict(create.headers)["variable_calldesk_role"] == "dialer"
        assert any(dict(e.headers).get("Other-Leg-Unique-ID") for e in
                   env.events(leg, "CHANNEL_BRIDGE"))  # the switch bridged it to the agent
        assert _violations(env, "spring") == 0
        kinds = {e.kind for e in env.ctl.store.journal.read(kind_prefix="dialer.")}
        assert {"dialer.pacing", "dialer.attempt"} <= kinds


def test_live_answers_no_agent_takes_get_the_safe_harbour_message(tmp_path) -> None:  # noqa: ANN001
    calls = [(n, PhoneBehavior.answer(after=1.0, hangup_after=30)) for n in (LIVE, L2, L3)]
    with serve_env(tmp_path, [campaign("blitz", "power", ratio=3)], {"blitz": calls},
                   scale=4.0) as env:
        env.ctl.services.agents.login(env.ctl.services.user("a1"), "a1", True)
        rows = _rows(env, "blitz", 3)
        took = [r for r in rows.values() if r["agent"] == "a1"]
        dropped = [r for r in rows.values() if r["abandoned"]]
        assert len(took) == 1 and len(dropped) == 2, [
            (r["agent"], r["abandoned"], r["cause"], r["answer_to_agent_s"]) for r in rows.values()]
        for r in dropped:
            assert r["safe_harbour"] == 1 and r["outcome"] == "answer" and not r["agent"]
            leg = next(iter(env.ctl.store.journal.read(
                subject=r["interaction"], kind="outbound.connected"))).data["leg"]
            answered = env.events(leg, "CHANNEL_ANSWER")[0].fired_sim
            plays = [e for e in env.events(leg, "CHANNEL_EXECUTE")
                     if dict(e.headers).get("Application") in ("speak", "playback")]
            assert plays, "the switch played no message"
            assert plays[0].fired_sim - answered <= 2.0  # within 2 s of the answer
        rep = report("blitz", env.dstore.ledger("blitz", 0, 4e9), 0, 4e9)
        assert rep.abandoned == 2 and not rep.violations["abandoned_without_message"]
        # the ACD no longer holds the dropped answers
        wait_for(lambda: all(not env.ctl.acd.view.has_interaction(r["interaction"])
                             for r in dropped), what="dropped answers out of the queue")


def test_amd_from_the_greeting_end_machines_retry_people_reach_the_agent(tmp_path) -> None:  # noqa: ANN001
    calls = [(LIVE, PhoneBehavior.answer(after=1.0, hangup_after=20)),
             (MACHINE, PhoneBehavior.machine(after=1.0, beep_after=5.0, hangup_after=40))]
    camp = campaign("amd", "progressive", amd=True, safe_harbour_from="greeting_end",
                    max_attempts=2, retry={"machine": "4h"})
    with serve_env(tmp_path, [camp], {"amd": calls}, scale=4.0) as env:
        env.ctl.services.agents.login(env.ctl.services.user("a1"), "a1", True)
        rows = _rows(env, "amd", 2)
        person, machine = rows[LIVE], rows[MACHINE]
        assert person["amd"] == "human" and person["agent"] == "a1"
        assert person["grace_from"] == "greeting_end" and person["answer_to_agent_s"] <= 2.0
        assert machine["outcome"] == "machine" and machine["amd"] == "machine"
        assert machine["cause"].startswith("amd:") and not machine["agent"]
        leg = next(iter(env.ctl.store.journal.read(
            subject=machine["interaction"], kind="outbound.connected"))).data["leg"]
        done = [dict(e.headers) for e in env.events(leg, "CHANNEL_EXECUTE_COMPLETE")]
        apps = [h["Application"] for h in done]
        assert apps[0] == "detect_audio" and "detect_silence" in apps
        assert done[0]["variable_detect_audio_timeout"] == "false"  # the greeting started
        wait_for(lambda: env.sim.get_leg(leg) is None or env.sim.get_leg(leg).hungup,
                 what="the machine hung up on")
        queue = env.ctl.campaigns.adapters["amd"].queue
        assert MACHINE not in queue.closed  # due again in 4 h
        assert _violations(env, "amd") == 0


def test_notification_runs_its_flow_with_no_agent(tmp_path) -> None:  # noqa: ANN001
    calls = [(LIVE, PhoneBehavior.answer(after=1.0)), (L2, PhoneBehavior.answer(after=2.0)),
             (BUSY, PhoneBehavior.busy())]
    with serve_env(tmp_path, [campaign("remind", "notification", lines=2)],
                   {"remind": calls}) as env:
        rows = _rows(env, "remind", 3)
        for n in (LIVE, L2):
            r = rows[n]
            assert r["outcome"] == "answer" and not r["agent"] and not r["abandoned"]
            leg = next(iter(env.ctl.store.journal.read(
                subject=r["interaction"], kind="outbound.connected"))).data["leg"]
            wait_for(lambda leg=leg: any(
                dict(e.headers).get("Application-Data", "").startswith("say:Hello Callee")
                for e in env.events(leg, "CHANNEL_EXECUTE")), what="the broadcast played")
        assert rows[BUSY]["outcome"] == "busy"


def test_preview_from_the_api_skip_then_dial(tmp_path) -> None:  # noqa: ANN001
    calls = [(LIVE, PhoneBehavior.answer(after=1.0, hangup_after=20)),
             (L2, PhoneBehavior.answer(after=1.0, hangup_after=20))]
    with serve_env(tmp_path, [campaign("pv", "preview")], {"pv": calls}, ("a1", "a2")) as env:
        a1 = env.client("a1")
        assert a1.call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
        wait_for(lambda: a1.call("GET", "/api/agents/a1/preview").json() is not None,
                 what="a preview for a1")
        first = a1.call("GET", "/api/agents/a1/preview").json()
        assert first["contact"]["fields"]["plan"].startswith("gold-")
        assert a1.call("GET", "/api/agents/a2/preview").status == 403
        r = a1.call("POST", f"/api/preview/{first['id']}/skip", {"reason": "wrong_person"})
        assert r.status == 200 and r.json()["skipped"] is True
        second = a1.call("GET", "/api/agents/a1/preview").json()
        assert second["id"] != first["id"]
        assert second["contact"]["number"] != first["contact"]["number"]
        r = a1.call("POST", f"/api/preview/{second['id']}/dial")
        assert r.status == 200
        assert a1.call("POST", f"/api/preview/{second['id']}/dial").status == 404
        rows = _rows(env, "pv", 1)
        row = rows[second["contact"]["number"]]
        assert row["agent"] == "a1" and row["outcome"] == "answer"
        assert first["contact"]["number"] not in rows  # skipped: never dialled
        skipped = list(env.ctl.store.journal.read(kind="dialer.preview_skipped"))
        assert skipped[0].data["reason"] == "wrong_person"


def test_pause_hangs_up_no_live_call_and_callbacks_come_back(tmp_path) -> None:  # noqa: ANN001
    calls = [(LIVE, PhoneBehavior.answer(after=1.0, hangup_after=15)),
             (L2, PhoneBehavior.answer(after=1.0, hangup_after=5))]
    with serve_env(tmp_path, [campaign("cb", "progressive")], {"cb": calls}) as env:
        sup = env.client("sup1")
        env.ctl.services.agents.login(env.ctl.services.user("a1"), "a1", True)
        runner = env.ctl.campaigns
        wait_for(lambda: runner.adapters["cb"].attempts, what="one attempt up")
        r = sup.call("POST", "/api/campaigns/cb/pause")
        assert r.status == 200 and r.json()["paused"] is True
        rows = _rows(env, "cb", 1)
        (first,) = rows.values()
        assert first["agent"] == "a1"  # the call up when paused was connected, not hung up
        env.sim.clock.sleep(40)  # paused: nothing more is dialled
        assert len(env.ledger("cb")) == 1
        at = env.sim.clock.epoch() + 30
        r = sup.call("POST", "/api/campaigns/cb/callbacks",
                     {"number": first["number"], "at": at, "agent": "a1"})
        assert r.status == 200, r.body
        assert sup.call("POST", "/api/campaigns/cb/callbacks",
                        {"number": "+12125550999", "at": at}).status == 400
        cfg = ["-c", str(tmp_path / "calldesk.yaml")]
        r = run_cli(cfg, "campaigns", "resume", "cb", "--actor", "sup1")  # the CLI, via the inbox
        assert r.exit_code == 0 and r.output.strip() == "cb: active", r.output
        assert run_cli(cfg, "campaigns", "pause", "nosuch", "--actor", "sup1").exit_code != 0
        assert sup.call("GET", "/api/campaigns").json()[0]["paused"] is False
        wait_for(lambda: len(env.dstore.ledger("cb", 0, 4e9)) == 3, timeout=40 * 1.0,
                 what="the other contact and the callback dialled")
        again = [r for r in env.dstore.ledger("cb", 0, 4e9) if r["number"] == first["number"]]
        assert len(again) == 2 and again[1]["at"] >= at and again[1]["agent"] == "a1"
        assert [c["name"] for c in sup.call("GET", "/api/campaigns").json()] == ["cb"]
        assert SCALE > 1


@pytest.mark.timeout(300)  # its ledger wait allows 240 s; the suite-wide 120 s cut it first
def test_predictive_with_amd_on_callees_drawn_at_rates(tmp_path) -> None:  # noqa: ANN001
    from tests.integration.dialer.serve_env import GW

    from calldesk.sim.callees import CalleePool

    numbers = [f"+1212555{i:04d}" for i in range(200, 240)]
    camp = campaign("pool", "predictive", amd=True, avmd=True, safe_harbour_from="greeting_end")
    with serve_env(tmp_path, [camp], {"pool": [(n, None) for n in numbers]},
                   ("a1", "a2"), scale=5.0) as env:
        pool = CalleePool(GW, answer=0.4, machine=0.2, busy=0.1, fail=0.05,
                          answer_after_s=2.0, talk_s=10.0, seed=3)
        env.sim.add_callees(pool)
        for a in ("a1", "a2"):
            env.ctl.services.agents.login(env.ctl.services.user(a), a, True)
        rows = _rows(env, "pool", len(numbers), timeout=240)
        truth = {n: pool.drawn[GW + n].kind for n in numbers}
        outcomes = {r["outcome"] for r in rows.values()}
        assert {"answer", "machine", "busy", "failed", "no_answer"} <= outcomes
        for n, r in rows.items():
            assert (truth[n] in ("answer", "machine")) == (r["amd"] != "")
            if truth[n] == "busy":
                assert r["outcome"] == "busy"
            if r["abandoned"]:
                assert r["safe_harbour"] == 1
        people = [r for n, r in rows.items() if truth[n] == "answer"]
        machines = [r for n, r in rows.items() if truth[n] == "machine"]
        assert sum(r["amd"] == "human" for r in people) >= 0.8 * len(people), [
            (r["amd"], r["cause"], r["outcome"], r["agent"]) for r in people]
        assert sum(r["amd"] == "machine" for r in machines) >= 0.8 * len(machines), [
            (r["amd"], r["cause"], pool.drawn[GW + r["number"]].audio) for r in machines]
        rep = report("pool", env.dstore.ledger("pool", 0, 4e9), 0, 4e9)
        assert not any(rep.violations.values()), {
            k: [(r["outcome"], r["amd"], r["answer_to_agent_s"], r["cause"], r["ring_s"])
                for r in v] for k, v in rep.violations.items() if v}


def test_a_machine_gets_the_message_after_its_beep(tmp_path) -> None:  # noqa: ANN001
    calls = [(MACHINE, PhoneBehavior.machine(after=1.0, beep_after=5.0, hangup_after=40))]
    camp = campaign("vm", "progressive", amd=True, avmd=True, machine_flow="leave_message",
                    safe_harbour_from="greeting_end")
    with serve_env(tmp_path, [camp], {"vm": calls}, scale=4.0) as env:
        env.ctl.services.agents.login(env.ctl.services.user("a1"), "a1", True)
        row = _rows(env, "vm", 1)[MACHINE]
        assert row["outcome"] == "machine" and row["amd"] == "machine" and not row["agent"]
        leg = next(iter(env.ctl.store.journal.read(
            subject=row["interaction"], kind="outbound.connected"))).data["leg"]

        def spoken() -> list:
            return [e for e in env.events(leg, "CHANNEL_EXECUTE") if dict(e.headers).get(
                "Application-Data", "").startswith("say:This is Acme")]

        wait_for(spoken, timeout=20, what="the message played on the machine")
        beeps = [e for e in env.sim.history
                 if e.uuid == leg and e.name == "CUSTOM" and e.subclass == "avmd::beep"]
        assert beeps and beeps[0].fired_sim <= spoken()[0].fired_sim  # after the beep
        answered = env.events(leg, "CHANNEL_ANSWER")[0].fired_sim
        assert beeps[0].fired_sim - answered >= 5.0  # the greeting's length

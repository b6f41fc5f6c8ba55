"""The demo's live terminal view: queues, agents and service level, redrawn in place."""

from __future__ import annotations

from calldesk.demo.run import DemoRun


def render(run: DemoRun) -> str:
    c = run.callers
    done = sum(1 for x in c if x.outcome != "pending")
    by = {
        k: sum(1 for x in c if x.outcome == k)
        for k in ("answered", "abandoned", "overflowed", "ivr")
    }
    acd = run.controller.acd.acd
    waiting: dict[str, int] = {}
    for it in acd.interactions.values():
        if it.state.value in ("waiting", "offered"):
            waiting[it.queue] = waiting.get(it.queue, 0) + 1
    now = run.sim.clock.epoch()
    sl_s = {q["name"]: float(q.get("sl_seconds", 20)) for q in run.controller.config["queues"]}
    finished = [x for x in c if x.outcome in ("answered", "abandoned", "overflowed")]
    waits = [x.wait_s for x in finished if x.outcome == "answered" and x.wait_s is not None]
    in_sl = sum(1 for x in finished if x.outcome == "answered" and x.wait_s is not None
                and x.wait_s <= sl_s.get(x.queue, 20.0))  # fmt: skip
    sl = f"{100 * in_sl / len(finished):.0f}%" if finished else "-"
    asa = f"{sum(waits) / len(waits):.1f}s" if waits else "-"
    lines = [
        f"calldesk demo  t={run.sim.clock.now():7.1f}s (x{run.sim.clock.time_scale:g})  "
        f"callers {done}/{len(c)} done  legs live: {len(run.controller.board.tracker.legs)}",
        f"  answered {by['answered']}  abandoned {by['abandoned']}  overflowed {by['overflowed']}  "
        f"ended in IVR {by['ivr']}   service level {sl}  ASA {asa}",
        "  queues: "
        + ("  ".join(f"{q}: {n} waiting" for q, n in sorted(waiting.items())) or "none waiting"),
        "  agents:",
    ]
    for a in acd.agents.values():
        since = now - a.state_since if a.state_since else 0.0
        lines.append(f"    {a.cfg.id:<10} {a.state.value:<12} {since:6.1f}s")
    return "\n".join(lines)

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
    lines = [
        f"calldesk demo  t={run.sim.clock.now():7.1f}s (x{run.sim.clock.time_scale:g})  "
        f"callers {done}/{len(c)} done  legs live: {len(run.controller.board.tracker.legs)}",
        f"  answered {by['answered']}  abandoned {by['abandoned']}  overflowed {by['overflowed']}  "
        f"ended in IVR {by['ivr']}",
        "  queues: "
        + ("  ".join(f"{q}: {n} waiting" for q, n in sorted(waiting.items())) or "none waiting"),
        "  agents:",
    ]
    for a in acd.agents.values():
        since = now - a.state_since if a.state_since else 0.0
        lines.append(f"    {a.cfg.id:<10} {a.state.value:<12} {since:6.1f}s")
    return "\n".join(lines)

"""The demo's live terminal view: queues, agents and service level, redrawn in place."""

from __future__ import annotations

from calldesk.demo.run import DemoRun, caller_figures, sl_seconds_of


def render(run: DemoRun) -> str:
    c = run.callers
    done = sum(1 for x in c if x.outcome != "pending")
    fig = caller_figures(c, sl_seconds_of(run))
    view = run.controller.acd.view
    waiting: dict[str, int] = {}
    for it in view.interactions():
        if it.state.value in ("waiting", "offered"):
            waiting[it.queue] = waiting.get(it.queue, 0) + 1
    now = run.sim.clock.epoch()
    sl = f"{100 * fig['service_level']:.0f}%" if fig["service_level"] is not None else "-"
    asa = f"{fig['asa_s']:.1f}s" if fig["answered"] else "-"
    lines = [
        f"calldesk demo  t={run.sim.clock.now():7.1f}s (x{run.sim.clock.time_scale:g})  "
        f"callers {done}/{len(c)} done  legs live: {len(run.controller.board.tracker.legs)}",
        f"  answered {fig['answered']}  abandoned {fig['abandoned']}  overflowed {fig['overflowed']}  "
        f"ended in IVR {fig['ivr']}   service level {sl}  ASA {asa}",
        "  queues: "
        + ("  ".join(f"{q}: {n} waiting" for q, n in sorted(waiting.items())) or "none waiting"),
        "  agents:",
    ]
    for a in view.agents():
        since = now - a.state_since if a.state_since else 0.0
        lines.append(f"    {a.id:<10} {a.state.value:<12} {since:6.1f}s")
    return "\n".join(lines)

"""The pacing core: events and `now` in, `PacingDecision`s out. No clock, no IO.

Modes:
- `preview`: places nothing by itself; the agent dials from the preview screen.
- `progressive`: one attempt per free agent, counting those already ringing.
- `power`: `ratio` attempts per free agent, counting those already ringing.
- `predictive`: the model of `calldesk.dialer.predict` with θ from the drop-rate controller.
- `baseline`: a VICIdial-style adaptive dial level, for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

from calldesk.dialer.control import AdaptiveLevel, DropController
from calldesk.dialer.events import (
    OUTCOMES,
    AgentChanged,
    AnswerAbandoned,
    AnswerConnected,
    AnswerWithdrawn,
    AttemptPlaced,
    AttemptResolved,
    Event,
    InboundLoad,
    PacingDecision,
)
from calldesk.dialer.predict import predict
from calldesk.dialer.stats import Priors, Stats

MODES = ("preview", "progressive", "power", "predictive", "baseline")


@dataclass(frozen=True)
class PacingConfig:
    mode: str = "predictive"
    abandon_cap: float = 0.03
    ratio: float = 2.0  # power mode
    grace_s: float = 2.0  # an answer may wait this long for an agent before it is abandoned
    max_ringing: int = 10_000  # trunk leg limit available to the campaign
    max_per_decision: int = 10_000  # sessions per second times the pacing interval
    margin: float = 0.85  # predictive aims at abandon_cap * margin
    priors: Priors = Priors()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {self.mode!r}")
        if not 0 < self.abandon_cap < 1:
            raise ValueError("abandon_cap: expected a fraction between 0 and 1")


class Pacer:
    def __init__(self, config: PacingConfig) -> None:
        self.config = config
        self.stats = Stats(config.priors, grace_s=config.grace_s)
        self.control = DropController(cap=config.abandon_cap, margin=config.margin)
        self.level = AdaptiveLevel(cap=config.abandon_cap)
        self.agents: dict[str, tuple[str, float]] = {}
        self.ringing: dict[str, float] = {}  # attempt -> placed at
        self.waiting: dict[str, float] = {}  # answered attempt -> answered at

    # -- events ----------------------------------------------------------------------------
    def handle(self, event: Event, now: float) -> None:
        if isinstance(event, AgentChanged):
            old = self.agents.get(event.agent)
            if old is not None and old[0] == "talk" and event.state != "talk":
                self.stats.talk_sample(now - old[1])
            if old is not None and old[0] == "wrap" and event.state == "free":
                self.stats.wrap_sample(now - old[1])
            self.agents[event.agent] = (event.state, now)
        elif isinstance(event, AttemptPlaced):
            self.ringing[event.attempt] = now
        elif isinstance(event, AttemptResolved):
            if event.outcome not in OUTCOMES:
                raise ValueError(f"outcome: expected one of {', '.join(OUTCOMES)}")
            self.ringing.pop(event.attempt, None)
            self.stats.outcome(event.outcome, event.after_s)
            if event.outcome == "answer":
                self.waiting[event.attempt] = now
        elif isinstance(event, AnswerConnected):
            self.waiting.pop(event.attempt, None)
            self.control.answered(dropped=False)
        elif isinstance(event, AnswerAbandoned):
            self.waiting.pop(event.attempt, None)
            self.control.answered(dropped=True)
        elif isinstance(event, AnswerWithdrawn):
            self.waiting.pop(event.attempt, None)

    def new_period(self) -> None:
        """A new compliance period (a day) starts: its own drop tally begins at zero."""
        self.control.new_period()

    # -- decisions -------------------------------------------------------------------------
    def decide(
        self, now: float, dialable: int = 10**9, inbound: InboundLoad | None = None
    ) -> PacingDecision:
        """How many attempts to place now; `dialable` = contacts ready to dial."""
        cfg = self.config
        free = sum(1 for s, _ in self.agents.values() if s == "free")
        ringing = len(self.ringing)
        limit = max(0, min(dialable, cfg.max_per_decision, cfg.max_ringing - ringing))
        inputs: dict = {"free": free, "ringing": ringing, "waiting": len(self.waiting)}
        if inbound is not None:
            inputs["inbound_waiting"] = inbound.waiting
            if inbound.longest_wait_s > inbound.sl_target_s:
                inputs["held"] = "inbound over its service-level target"
                return PacingDecision(now, cfg.mode, 0, inputs)
            free = max(0, free - inbound.waiting)
        if cfg.mode == "preview":
            n = 0
        elif cfg.mode == "progressive":
            n = free - ringing - len(self.waiting)
        elif cfg.mode == "power":
            n = int(cfg.ratio * free) - ringing
        elif cfg.mode == "baseline":
            rate = self.control.period.rate()
            level = self.level.update(now, rate, free)
            inputs.update(dial_level=round(level, 3), drop_rate=round(rate, 4))
            n = round(level * free) - ringing
        else:
            return self._predictive(now, free, limit, inbound, inputs)
        return PacingDecision(now, cfg.mode, max(0, min(n, limit)), inputs)

    def _predictive(
        self, now: float, free: int, limit: int, inbound: InboundLoad | None, inputs: dict
    ) -> PacingDecision:
        st = self.stats
        busy = [(s, now - t) for s, t in self.agents.values() if s == "talk" or s == "wrap"]
        p_free = st.p_free_all(busy)
        p_ring = st.p_answer_within_all([now - t for t in self.ringing.values()])
        theta = self.control.effective_theta()
        expected_in = inbound.calls_per_s * st.window_s if inbound else 0.0
        pred = predict(
            free, len(self.waiting), p_free, p_ring, st.answer_rate, theta, limit, expected_in
        )
        inputs.update(st.snapshot())
        inputs.update(
            theta=round(theta, 5),
            risk=round(pred.risk, 5),
            coming_free=round(pred.coming_free, 2),
            ringing_answers=round(pred.ringing_answers, 2),
            drops=self.control.total.drops,
            answers=self.control.total.answers,
            budget=round(self.control.budget(), 2),
        )
        return PacingDecision(now, "predictive", pred.place, inputs)

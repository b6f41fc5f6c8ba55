"""Callees at configured rates: any number under a prefix (e.g. `sofia/gateway/carrier-a/`)
that has no phone of its own is drawn once, when first dialled, from a pool: a person who
answers, an answering machine, busy, a failure, or no answer, with log-normal times to answer
(`OutboundScenario.callee`, as the outbound simulator draws them), people's and machines'
early audio from `amd_callees` (what detect_audio/detect_silence then hear, and the beep), and
a talk time after which the callee hangs up.

Over ESL: `api sim_callees <prefix> [answer=0.3] [machine=0.1] [busy=0.08] [fail=0.04]
[answer_after=8] [talk=60] [seed=1]`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from calldesk.sim.phones import PhoneBehavior
from calldesk.sim.virtual.amd_callees import human, machine
from calldesk.sim.virtual.outbound_model import OutboundScenario, lognormal


@dataclass
class CalleePool:
    prefix: str
    answer: float = 0.30
    machine: float = 0.10
    busy: float = 0.08
    fail: float = 0.04
    answer_after_s: float = 8.0
    talk_s: float = 60.0
    ring_timeout_s: float = 60.0  # longer than any campaign's ring: the dialler's timeout rules
    seed: int = 1
    drawn: dict[str, PhoneBehavior] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model = OutboundScenario(
            connect_rate=self.answer,
            machine_rate=self.machine,
            busy_rate=self.busy,
            failed_rate=self.fail,
            answer_after_s=self.answer_after_s,
            ring_timeout_s=self.ring_timeout_s,
        )  # validates the rates (each >= 0, together <= 1)
        self.rng = random.Random(self.seed)

    def phone(self, target: str) -> PhoneBehavior | None:
        if not target.startswith(self.prefix):
            return None
        if target not in self.drawn:
            self.drawn[target] = self._draw()
        return self.drawn[target]

    def _draw(self) -> PhoneBehavior:
        rng = self.rng
        truth, after = self.model.callee(rng)
        if truth == "live":
            talk = lognormal(rng, self.talk_s, 0.5)
            return PhoneBehavior(
                "answer", after=after, hangup_after=talk, audio=tuple(human(rng)[:-1])
            )
        if truth == "machine":
            segs = machine(rng)[:-1]
            beep = sum(d for kind, d in segs if kind != "beep")
            return PhoneBehavior(
                "machine",
                after=after,
                beep_after=beep,
                avmd=True,
                hangup_after=beep + 30.0,
                audio=tuple(segs),
            )
        if truth == "busy":
            return PhoneBehavior.busy(after=after)
        if truth == "failed":
            return PhoneBehavior.fail(after=after)
        return PhoneBehavior.no_answer()


def parse_pool(arg: str) -> CalleePool:
    """`<prefix> key=value ...` of `api sim_callees`; ValueError names a bad key or value."""
    words = arg.split()
    if not words:
        raise ValueError(
            "usage: sim_callees <prefix> [answer=R] [machine=R] [busy=R] [fail=R] "
            "[answer_after=S] [talk=S] [seed=N]"
        )
    names = {
        "answer": "answer",
        "machine": "machine",
        "busy": "busy",
        "fail": "fail",
        "answer_after": "answer_after_s",
        "talk": "talk_s",
        "seed": "seed",
    }
    kw: dict[str, float | int] = {}
    for w in words[1:]:
        k, _, v = w.partition("=")
        if k not in names:
            raise ValueError(f"unknown key {k!r} (known: {', '.join(names)})")
        kw[names[k]] = int(v) if k == "seed" else float(v)
    return CalleePool(words[0], **kw)  # type: ignore[arg-type]

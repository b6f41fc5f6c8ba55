"""The sim's dialplan: numbers map to app lists, per context (the traces' test setup by default)."""

from __future__ import annotations

from collections.abc import Iterable

Action = tuple[str, str]


class Dialplan:
    """`contexts[context][number] = [(app, data), ...]`. The `public` context first runs the
    vanilla catch-all (`set outside_call=true`, `export RFC2822_DATE=${strftime(...)}`, whose
    expansion fires an API event) on every call."""

    def __init__(self, with_defaults: bool = True) -> None:
        self.contexts: dict[str, dict[str, list[Action]]] = {"public": {}, "default": {}}
        self.catch_all: dict[str, bool] = {"public": True}
        if with_defaults:
            self.install_defaults()

    def install_defaults(self) -> None:
        self.add_did("5551000")
        self.add("5552000", [("answer", ""), ("park", "")])
        # like 5551000, but the leg's RTP runs without a timer (no-rtp-bridge trace)
        self.add_did("5557000", {"rtp_timer_name": "none"})
        self.add_socket("5553000", "127.0.0.1", 8084)
        self.add(
            "5555000",
            [
                ("answer", ""),
                ("playback", "silence_stream://2000"),
                ("playback", "tone_stream://%(1000,0,1000)"),
                ("playback", "silence_stream://2000"),
                ("hangup", "NORMAL_CLEARING"),
            ],
        )
        self.add(
            "9999",
            [
                ("answer", ""),
                ("playback", "tone_stream://%(1000,0,440)"),
                ("hangup", "NORMAL_CLEARING"),
            ],
        )

    def add(self, number: str, actions: Iterable[Action], context: str = "public") -> None:
        self.contexts.setdefault(context, {})[number] = list(actions)

    def add_did(
        self, number: str, variables: dict[str, str] | None = None, context: str = "public"
    ) -> None:
        """A DID: sets `calldesk_did` (and any other `calldesk_*` variables), answers, parks."""
        acts: list[Action] = [("set", f"calldesk_did={number}")]
        acts += [("set", f"{k}={v}") for k, v in (variables or {}).items()]
        acts += [("answer", ""), ("park", "")]
        self.add(number, acts, context)

    def add_socket(self, number: str, host: str, port: int, context: str = "public") -> None:
        """The number hands the call to an outbound-socket listener."""
        self.add(number, [("socket", f"{host}:{port} async full")], context)

    def route(self, number: str, context: str, epoch: float) -> list[Action] | None:
        """Apps for a call; None when the context does not exist (NO_ROUTE_DESTINATION).
        Context `inline` is the inline dialplan: `app:arg,app2:arg2` (mod_dptools.c)."""
        if context == "inline":
            return [(a, d) for a, _, d in (x.partition(":") for x in number.split(",") if x)]
        ctx = self.contexts.get(context)
        if ctx is None:
            return None
        acts: list[Action] = []
        if self.catch_all.get(context):
            acts += [
                ("set", "outside_call=true"),
                ("export", "RFC2822_DATE=${strftime(%a, %d %b %Y %T %z)}"),
            ]
        acts += ctx.get(number, [])
        return acts

"""The persistent context store: what a flow wrote survives a restart (a new store object on the
same SQLite file, and another process), and the IVR `context` step reads it back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime

from calldesk.customers.contexts import SqliteContexts
from calldesk.ivr.dryrun import CollectingHandoff, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.runner import Runner
from calldesk.ivr.text import ScriptedTextPort
from calldesk.ivr.validate import Checks, validate_text

FLOW = """
flow: remember
entry: identify
steps:
  identify:
    kind: context
    action: read
    next: known
  known:
    kind: branch
    conditions:
      - when: "context.tier == 'gold'"
        goto: vip
    default: mark
  mark:
    kind: context
    action: write
    values: {tier: "'gold'", visits: "1"}
    next: general
  general:
    kind: enqueue
    queue: general
  vip:
    kind: enqueue
    queue: vip
    data: {tier: "context.tier"}
"""


def _runner(contexts, flows_dir) -> Runner:
    flow, errors = validate_text(textwrap.dedent(FLOW), "remember.yaml", Checks())
    assert not errors, [str(e) for e in errors]
    lib = FlowLibrary(flows_dir)
    lib.add(flow)
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    return Runner(lib, lambda: now, ScriptedHttp(), contexts, CollectingHandoff())


def _call(runner: Runner, caller: str, iid: str):
    flow = runner.flows.current("remember")
    runner.start(flow, ScriptedTextPort([]), interaction_id=iid, caller={"id": caller})
    return runner.handoff.requests[-1]


def test_context_written_by_a_flow_survives_a_restart(tmp_path):
    path = tmp_path / "calldesk.sqlite"
    first = SqliteContexts.open(path)
    req = _call(_runner(first, tmp_path), "+15550001", "i-1")
    assert req.queue == "general"  # unknown caller: the flow remembers them
    first.close()  # the controller stops

    second = SqliteContexts.open(path)  # a new process would do exactly this
    assert second.read("+15550001") == {"tier": "gold", "visits": 1}
    req = _call(_runner(second, tmp_path), "+15550001", "i-2")
    assert (req.queue, req.data) == ("vip", {"tier": "gold"})
    assert _call(_runner(second, tmp_path), "+15550002", "i-3").queue == "general"


def test_another_process_sees_the_context_and_updates_merge(tmp_path):
    path = tmp_path / "calldesk.sqlite"
    mine = SqliteContexts.open(path)
    mine.write("interaction:i-9", {"intent": "billing", "lang": "fr"})
    code = (
        "import sys, json\n"
        "from calldesk.customers.contexts import SqliteContexts\n"
        "c = SqliteContexts.open(sys.argv[1])\n"
        "print(json.dumps(c.read('interaction:i-9')))\n"
        "c.write('interaction:i-9', {'lang': 'de', 'score': 5})\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == '{"intent": "billing", "lang": "fr"}'
    assert mine.read("interaction:i-9") == {"intent": "billing", "lang": "de", "score": 5}
    assert mine.read("nobody") == {}


def test_serve_hands_the_sqlite_store_to_the_controller(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import calldesk.cli.serve as serve_cli
    from calldesk.cli.main import cli
    from calldesk.errors import CalldeskError

    seen = {}
    real_build = serve_cli.build

    def fake_build(config, **kw):  # the real composition root, stopped before it connects
        seen["controller"] = real_build(config, **kw)
        raise CalldeskError("stop here")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLDESK_ESL_URL", "esl://:a-strong-pw-9@127.0.0.1:1")
    monkeypatch.setattr(serve_cli, "build", fake_build)
    store = tmp_path / "var" / "s.sqlite"
    out = CliRunner().invoke(cli, ["serve", "--once", "--store", str(store)])
    assert out.exit_code != 0 and "stop here" in out.output
    contexts = seen["controller"].ivr.runner.contexts
    assert isinstance(contexts, SqliteContexts)
    contexts.write("+1555", {"tier": "gold"})
    seen["controller"].store.close()
    assert SqliteContexts.open(store).read("+1555") == {"tier": "gold"}


BRANCHING = """
flow: welcome_back
entry: identify
steps:
  identify:
    kind: context
    action: read
    key: "customer:{{ caller.id }}"
    next: route
  route:
    kind: branch
    conditions:
      - when: "context.customer and context.customer.fields.tier == 'vip'"
        goto: vip
      - when: "context.last and context.last.intent == 'billing' and context.last.age_s < 7200"
        goto: billing_again
    default: general
  vip:
    kind: enqueue
    queue: vip
  billing_again:
    kind: enqueue
    queue: billing
    data: {last: "context.last.medium", contacts: "context.recent | length"}
  general:
    kind: enqueue
    queue: general
"""


def test_a_flow_branches_on_the_customer_and_their_last_contact(tmp_path):
    from tests.integration.customers.journal_helpers import interaction

    from calldesk.customers.follow import Follower
    from calldesk.customers.service import CustomerService
    from calldesk.customers.settings import Settings
    from calldesk.store import Store

    store = Store.open(tmp_path / "c.sqlite")
    service = CustomerService(store, Settings(country="GB"))
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()
    # an hour ago: a chat about billing that typed the account; the CRM knows the caller's number
    interaction(
        store,
        "chat-1",
        t0,
        medium="chat",
        caller="tok-1",
        queue="billing",
        variables={"identity_account": "A1", "intent": "billing"},
    )
    Follower(service).catch_up()
    service.upsert(
        {
            "identities": [
                {"kind": "account", "value": "A1", "verified": True},
                {"kind": "phone", "value": "+442071838750"},
            ]
        },
        t0 + 10,
    )
    service.upsert(
        {
            "id": "vip-1",
            "fields": {"tier": "vip"},
            "identities": [{"kind": "phone", "value": "+442079460000"}],
        },
        t0,
    )

    flow, errors = validate_text(textwrap.dedent(BRANCHING), "welcome_back.yaml", Checks())
    assert not errors, [str(e) for e in errors]
    lib = FlowLibrary(tmp_path)
    lib.add(flow)
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    contexts = SqliteContexts(store, clock=lambda: now.timestamp(), country="GB")
    runner = Runner(lib, lambda: now, ScriptedHttp(), contexts, CollectingHandoff())

    def call(number):
        runner.start(flow, ScriptedTextPort([]), interaction_id=number, caller={"id": number})
        return runner.handoff.requests[-1]

    req = call("+442071838750")
    assert (req.queue, req.data) == ("billing", {"last": "chat", "contacts": 1})
    assert call("+442079460000").queue == "vip"
    assert call("+15550100").queue == "general"  # unknown caller: empty context

"""A resync keeps who is bridged to whom.

`show channels` (mod_commands.c, show_function: `select * from channels`) has no bridge peer
column, so legs rebuilt from it alone lost their bridges after a reconnect or restart, and the
dispatcher's recovery then saw answered calls as "answered but not bridged". `show calls` lists
each bridged pair as `uuid` + `b_uuid` (eavesdrop trace, line 134); the connection merges it in.
"""

from __future__ import annotations

from tests.integration.recording.simcall import bridged_call, start_board, start_sim


def test_resync_restores_both_sides_of_a_bridge(tmp_path) -> None:
    sim = start_sim(tmp_path / "rec")
    board = start_board(sim)
    try:
        customer, agent = bridged_call(sim, board)
        conn = next(iter(board.switches.values()))
        board.tracker.legs.clear()  # as a restarted controller
        rows = {r["uuid"]: r for r in conn.resync()}
        assert rows[customer]["b_uuid"] == agent and rows[agent]["b_uuid"] == customer
        assert board.tracker.legs[customer].bridged_to == agent
        assert board.tracker.legs[agent].bridged_to == customer
    finally:
        board.stop()
        sim.stop()

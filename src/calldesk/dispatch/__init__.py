"""calldesk.dispatch: the control-channel registration of agent and queue commands
(`controls.py`). The engine is `calldesk.engine`, its voice adapter `calldesk.voice`."""

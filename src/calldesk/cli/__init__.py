"""calldesk.cli."""

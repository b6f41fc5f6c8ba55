"""calldesk.fsconf."""

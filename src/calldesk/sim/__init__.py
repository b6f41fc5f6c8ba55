"""calldesk.sim."""

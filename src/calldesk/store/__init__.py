"""calldesk.store."""

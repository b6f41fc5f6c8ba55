"""calldesk.acd."""

"""calldesk.ivr."""

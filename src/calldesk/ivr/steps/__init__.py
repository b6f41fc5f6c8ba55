"""calldesk.ivr.steps."""

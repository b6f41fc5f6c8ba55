"""calldesk.telephony."""

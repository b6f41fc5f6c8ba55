"""calldesk: a telephony-first IVR and ACD that drives FreeSWITCH over ESL."""

__version__ = "0.1.0"

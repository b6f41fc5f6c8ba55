"""SMS: one gateway (keywords, opt-out, quiet hours, threading through the desk) and two
adapters behind one `SmsLink` interface: an HTTP provider (`provider.py`, with the provider's
format in `twilio.py`) and an SMPP 3.4 client (`smpp.py`)."""

"""Email: IMAP in (`imap.py`, IDLE with polling as a fallback), SMTP out with TLS (`smtp.py`),
and the pure parts (`parse.py`): threading headers, quoted history, HTML sanitizing,
attachment checks, auto-reply and bounce detection. `gateway.py` joins them to the desk."""

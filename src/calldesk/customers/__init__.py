"""Customers: identities and their resolution (a pure core), the SQLite customer and context
stores, the journey and its outcome, screen-pop context, privacy (export, erase, retention)."""

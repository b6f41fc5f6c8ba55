"""calldesk.store: SQLite (sqlite-utils, WAL), migrations and the append-only journal."""

from calldesk.store.database import Store
from calldesk.store.journal import Entry, Journal
from calldesk.store.tx import transaction

__all__ = ["Entry", "Journal", "Store", "transaction"]

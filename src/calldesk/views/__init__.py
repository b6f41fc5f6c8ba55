"""Read models fed by the notifier (`calldesk.notify`): live views without folding the journal."""

from calldesk.views.live import InteractionRow, LiveViews, OfferRow

__all__ = ["InteractionRow", "LiveViews", "OfferRow"]

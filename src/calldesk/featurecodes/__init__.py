"""Feature codes dialled on an agent's IP phone: log in, log out, ready, not-ready (with a reason
digit), wrap-up done. The rendered dialplan parks them with `calldesk_kind=agent_feature`."""

from calldesk.featurecodes.decide import CODES, Act, Refuse, decide, read_feature
from calldesk.featurecodes.service import FeatureCodes

__all__ = ["CODES", "Act", "FeatureCodes", "Refuse", "decide", "read_feature"]

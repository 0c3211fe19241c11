"""The webhook's own words (the conversation's are in server.services.chat.texts)."""
from server.services.chat.texts import UNSUPPORTED as UNKNOWN_KIND

__all__ = ["UNKNOWN_KIND"]

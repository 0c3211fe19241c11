"""The chat bot's conversation: one inbound WeChat message in, one effect and one reply out."""
from server.chat.events import MENU
from server.chat.inbound import dedupe_key, handle_inbound

__all__ = ["MENU", "dedupe_key", "handle_inbound"]

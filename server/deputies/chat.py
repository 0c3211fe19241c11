"""Deputy work's chat words (找代表, 接待提醒, 取消接待提醒), answered for server.chat.words.

`answer` takes the chat's message state (server.chat.context.Chat: `uow`, `person`, `attempt`) without
importing the chat package, so the dependency points one way: chat → deputies."""
from __future__ import annotations

from typing import Any

from server.core.errors import DomainError
from server.deputies import queries, service, texts


def answer(chat: Any, bare: str) -> str | None:
    """The reply to one of this module's words, or None when `bare` is none of them."""
    if bare in texts.FIND_DEPUTY_WORDS:
        return queries.find_deputies_text(chat.uow, person_id=chat.person.id)
    if bare in texts.SUBSCRIBE_WORDS:
        try:
            street = chat.attempt(service.subscribe_receptions, person_id=chat.person.id)
        except DomainError:
            return texts.NO_STREET
        return texts.SUBSCRIBED.format(street=street.name)
    if bare in texts.UNSUBSCRIBE_WORDS:
        ended = chat.attempt(service.unsubscribe_receptions, person_id=chat.person.id)
        if not ended:
            return texts.NOT_SUBSCRIBED
        street = chat.person.street_id and queries.street_name(chat.uow, chat.person.street_id)
        return texts.UNSUBSCRIBED.format(street=street or "")
    return None

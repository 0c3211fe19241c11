"""The bot's door to the deliberation halls (居民议事).

Hall presence (which hall a chat user is in) is kept by the topics service, not here, so there is
one truth.
"""
from __future__ import annotations

from server.chat import texts
from server.chat.context import Chat, Reply
from server.core.errors import DomainError
from server.halls import service as topics


def list_topics(chat: Chat) -> Reply:
    rows = topics.list_open_topics_for(chat.uow, person_id=chat.identity.person_id)
    if not rows:
        return Reply(texts.NO_TOPICS)
    return Reply("\n".join([texts.TOPICS_HEADER, *(f"{n}. {t.title}" for n, t in enumerate(rows, start=1))]),
                 choices={"kind": "topics", "ids": [topic.id for topic in rows]})


def enter_topic(chat: Chat, *, topic_id: int | None = None, number: int | None = None) -> Reply:
    try:
        if number is not None:
            topic = chat.attempt(topics.enter_topic_by_number, person_id=chat.identity.person_id, number=number)
        else:
            topic = chat.attempt(topics.enter_topic, person_id=chat.identity.person_id, topic_id=topic_id)
    except DomainError as exc:
        return Reply(exc.message)
    return Reply(texts.TOPIC_ENTERED.format(title=topic.title))


def leave_topic(chat: Chat) -> Reply:
    topic = chat.attempt(topics.leave_topic, person_id=chat.identity.person_id)
    return Reply(texts.LEFT_HALL.format(title=topic.title) if topic else texts.NOT_IN_HALL)


def post_if_in_hall(chat: Chat, text: str) -> Reply | None:
    """In a hall, a text is an opinion there; None when the sender is in no hall."""
    if not chat.sender.has_hall_presence:
        return None
    if topics.current_topic_for(chat.uow, person_id=chat.identity.person_id) is None:
        return None
    try:
        topic, _opinion = chat.attempt(topics.post_opinion_from_chat, person_id=chat.identity.person_id,
                                       text=text)
    except DomainError as exc:
        return Reply(exc.message)
    return Reply(texts.OPINION_POSTED.format(title=topic.title))

"""Numbered replies: a bare number answers the list the bot's previous reply showed (议题, 待接收, 待研判,
待办, a unit to route to). The list is stored with that reply (`inbound_messages.reply_choices`), so it
survives any number of web processes and is forgotten after `context.CHOICE_WINDOW` or any other message."""
from __future__ import annotations

from typing import Any

from server.cases import queries as case_queries
from server.cases.models import Case
from server.chat import halls, staff, texts
from server.chat.context import Chat, Reply
from server.core.errors import DomainError


def last_choices(chat: Chat) -> dict[str, Any] | None:
    """The list the sender's previous message was answered with, if recent (read with the sender)."""
    return chat.sender.last_choices


def pick(chat: Chat, choices: dict[str, Any], number: int) -> Reply:
    """Act on item `number` (1-based) of the remembered list."""
    ids = choices.get("ids") or []
    if not 1 <= number <= len(ids):
        return Reply(texts.NO_SUCH_CHOICE.format(number=number), choices=choices)
    chosen = ids[number - 1]
    kind = choices.get("kind")
    if kind == "topics":
        return halls.enter_topic(chat, topic_id=chosen)
    if kind == "route":
        case = chat.session.get(Case, choices["case_id"])
        options = {option["id"]: option for option in _routing_options(chat, choices["case_id"])}
        if case is None or chosen not in options:
            return Reply(texts.NO_SUCH_CHOICE.format(number=number))
        return staff.route_to(chat, case, options[chosen])
    case = chat.session.get(Case, chosen)
    if case is None:
        return Reply(texts.NO_SUCH_CHOICE.format(number=number))
    if kind == "accept":
        return staff.accept_case(chat, case)
    if kind == "triage":
        summary = staff.show_case_for_staff(chat, case.id)
        options = _routing_options(chat, case.id)
        if not options:
            return summary
        units = staff.unit_choices(case, options)
        return Reply(summary.text + "\n\n" + units.text, case.id, choices=units.choices)
    return staff.show_case_for_staff(chat, case.id)


def _routing_options(chat: Chat, case_id: int) -> list[dict[str, Any]]:
    try:
        return case_queries.routing_options(chat.uow, actor_id=chat.staff.id, case_id=case_id)
    except DomainError:
        return []

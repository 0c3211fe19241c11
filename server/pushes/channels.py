"""Which WeChat channel reaches a person, and sending one push through it.

- Deputies, staff and units: a template message on the official account (`template`).
- Residents: a customer-service text while their 48-hour window is open (`cs_text`; the window opens
  with their last message, WechatIdentity.last_message_at), else a template message.
- Anyone without a followed official-account identity but with a mini-program identity: a
  mini-program subscribe message (`miniapp_subscribe`; WeChat answers 43101 if no grant is left).
A closed window that our record did not know about (45015/45047) falls through to the next route.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server.core.settings import Settings
from server.people.models import Person, WechatIdentity
from server.people.rules import Role
from server.pushes.states import Channel, OutboxKind
from server.pushes.texts import TITLES, push_text
from server.wechat import WeChatGateway, WeChatPermanentError

SERVICE_WINDOW = timedelta(hours=48)
WINDOW_MARGIN = timedelta(minutes=10)  # do not start a customer-service send in the window's last minutes
WINDOW_CLOSED_ERRCODES = frozenset({45015, 45047})
CHINA = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class Route:
    channel: Channel  # cs_text | template | miniapp_subscribe
    openid: str


def routes_for_many(session: Session, person_ids: Iterable[int | None],
                    now: datetime) -> dict[int | None, tuple[list[Route], str | None]]:
    """Each recipient's routes to try in order, or ([], reason) when they cannot be reached on WeChat;
    two queries for them all (people, then their identities), reading only the columns routes need."""
    wanted = set(person_ids)
    ids = sorted(person_id for person_id in wanted if person_id is not None)
    people: dict[int, Any] = {}
    identities: dict[int, list[Any]] = {}
    if ids:
        people = {row.id: row for row in session.connection().execute(_PEOPLE, {"ids": ids})}
        identities = {person_id: [] for person_id in people}
    if people:
        for identity in session.connection().execute(_IDENTITIES, {"ids": list(people)}):
            for owner in {identity.person_id, identity.staff_person_id} & people.keys():
                identities[owner].append(identity)
    return {person_id: _routes(people.get(person_id) if person_id is not None else None,
                               identities.get(person_id or 0, []), now)
            for person_id in wanted}


_people, _identities = Person.__table__, WechatIdentity.__table__
_PEOPLE = (select(_people.c.id, _people.c.is_active, _people.c.role)
           .where(_people.c.id.in_(bindparam("ids", expanding=True))))
# A WeChat user reaches both their resident self (person_id) and the staff account they bound (staff_person_id).
_IDENTITIES = (select(_identities.c.person_id, _identities.c.staff_person_id, _identities.c.app, _identities.c.openid,
                      _identities.c.subscribed, _identities.c.last_message_at)
               .where(_identities.c.person_id.in_(bindparam("ids", expanding=True))
                      | _identities.c.staff_person_id.in_(bindparam("ids", expanding=True)))
               .order_by(_identities.c.last_message_at.desc().nulls_last(), _identities.c.id.desc()))


def _routes(person: Any, identities: list[Any], now: datetime) -> tuple[list[Route], str | None]:
    """One person's routes (a row with id, is_active, role) from their identities, newest message first."""
    if person is None:
        return [], "收件人不存在"
    if not person.is_active:
        return [], "收件人账号已停用"
    mp = next((i for i in identities if i.app == "mp" and i.subscribed), None)
    miniapp = next((i for i in identities if i.app == "miniapp"), None)
    routes: list[Route] = []
    if mp is not None:
        window_open = (mp.last_message_at is not None
                       and now - mp.last_message_at < SERVICE_WINDOW - WINDOW_MARGIN)
        if person.role == Role.resident and window_open:
            routes.append(Route(Channel.cs_text, mp.openid))
        routes.append(Route(Channel.template, mp.openid))
    if miniapp is not None:
        routes.append(Route(Channel.miniapp_subscribe, miniapp.openid))
    if routes:
        return routes, None
    if any(i.app == "mp" for i in identities):
        return [], "收件人已取消关注公众号"
    return [], "收件人没有绑定微信"


def send_push(gateway: WeChatGateway, routes: list[Route], kind: OutboxKind | str, payload: dict[str, Any], *,
              now: datetime, settings: Settings) -> Channel:
    """Send through the first route that takes it; returns the channel used, or raises the last error.
    Template and subscribe messages use `settings.wechat_template_id` / `settings.miniapp_template_id`."""
    text = push_text(kind, payload)
    for index, route in enumerate(routes):
        try:
            _send_one(gateway, route, kind, text, now, settings)
            return route.channel
        except WeChatPermanentError as exc:
            if exc.errcode not in WINDOW_CLOSED_ERRCODES or index == len(routes) - 1:
                raise
    raise ValueError("no route to send through")


def _send_one(gateway: WeChatGateway, route: Route, kind: OutboxKind | str, text: str, now: datetime,
              settings: Settings) -> None:
    if route.channel == Channel.cs_text:
        gateway.send_text(route.openid, text)
        return
    data = {"title": {"value": TITLES.get(kind, "消息提醒")}, "content": {"value": text},
            "time": {"value": now.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")}}
    if route.channel == Channel.template:
        gateway.send_template(route.openid, settings.wechat_template_id, data)
    else:
        gateway.send_miniapp_subscribe(route.openid, settings.miniapp_template_id, data)

"""Events: follow / unfollow, QR scenes (topic, street, bind), and the custom menu's CLICKs."""
from __future__ import annotations

from server.chat import halls, queries, staff, streets, texts
from server.chat.context import Chat, Reply
from server.people import service as people

# The custom menu (pushed by `minyi wechat push-menu`); WeChat allows at most 3 top-level buttons.
MENU = {"button": [
    {"type": "click", "name": "我要反映", "key": "REPORT"},
    {"type": "click", "name": "我的进度", "key": "MY_CASES"},
    {"name": "更多", "sub_button": [
        {"type": "click", "name": "议事厅", "key": "TOPICS"},
        {"type": "click", "name": "帮助", "key": "HELP"},
    ]},
]}


def handle_event(chat: Chat) -> Reply:
    event = chat.message.get("event") or ""
    if event == "subscribe":
        _resubscribe(chat)
        return Reply(texts.WELCOME)
    if event in ("subscribe_scan", "scan"):
        if event == "subscribe_scan":
            _resubscribe(chat)
        reply = handle_scene(chat, chat.message.get("event_key") or "")
        prefix = "欢迎关注民意直通车！\n" if event == "subscribe_scan" else ""
        return Reply(prefix + reply.text, reply.case_id)
    if event == "unsubscribe":
        people.record_unsubscribe(chat.uow, openid=chat.openid)
        return Reply("")
    if event == "click":
        return handle_click(chat, chat.message.get("event_key") or "")
    # VIEW, LOCATION reports, TEMPLATESENDJOBFINISH ...: nothing to say.
    return Reply("")


def _resubscribe(chat: Chat) -> None:
    chat.identity.subscribed = True
    chat.identity.unsubscribed_at = None


def parse_scene(scene: str | None) -> tuple[str, str]:
    """The one QR-scene parser: ("topic", "12") from "topic:12" or a subscribe event's "qrscene_topic:12"."""
    kind, _, value = (scene or "").strip().removeprefix("qrscene_").partition(":")
    return kind, value.strip()


def handle_scene(chat: Chat, scene: str) -> Reply:
    """`topic:<id>` enters a hall, `street:<id>` sets the street, `bind:<code>` binds a deputy or staff."""
    kind, value = parse_scene(scene)
    if kind == "topic" and value.isdigit():
        return halls.enter_topic(chat, topic_id=int(value))
    if kind == "street" and value:
        return streets.set_street_by_scene(chat, value)
    if kind == "bind" and value:
        return staff.bind(chat, value)
    return Reply(texts.HELP)


def handle_click(chat: Chat, key: str) -> Reply:
    if key == "REPORT":
        return Reply(texts.REPORT_HINT)
    if key == "MY_CASES":
        return queries.list_my_cases(chat)
    if key == "TOPICS":
        return halls.list_topics(chat)
    return Reply(texts.HELP)

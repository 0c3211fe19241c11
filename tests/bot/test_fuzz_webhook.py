"""The webhook under fuzz: whatever a correctly signed message carries, WeChat gets 200 and a reply (or
`success`), never a 5xx, and the message is stored once; a badly signed one is refused and stores nothing.

Hypothesis writes the messages: arbitrary Unicode in every text field (every code point, those XML 1.0
forbids too, raw or as character references), CDATA or escaped text, UTF-8 with or without a byte-order
mark, UTF-16, GB18030 and other declared encodings, safe mode (AES), sizes up to the 256 KB cap.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import re
import time

import pytest
import xmltodict
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from wechatpy.crypto import WeChatCrypto

from bot.document import clean_text
from bot.envelope import MAX_BODY_BYTES
from server import create_app
from server.cases.models import Case
from server.chat.journal import inbound_journal, replay_journal
from server.chat.models import InboundMessage
from server.core.runtime import build_runtime
from server.core.settings import DEFAULT_WECHAT_TOKEN, load_settings

from .conftest import AES_KEY

pytestmark = pytest.mark.both_databases("PostgreSQL refuses NUL, over-long values and bad JSON where SQLite "
                                        "stores them: the fuzz must pass on both")

APP_ID = "wxsandbox0000000001"
# The suite runs a fixed sample; MINYI_FUZZ_EXAMPLES=2000 explores further with fresh random draws.
MAX_EXAMPLES = int(os.environ.get("MINYI_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize="MINYI_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)

# Every code point except the surrogates, which no encoding can carry (a lone one is tested as bytes).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
FORBIDDEN = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff", "\x7f"])
NASTY_TEXT = st.lists(st.one_of(ANY_TEXT, FORBIDDEN, st.sampled_from(["]]>", "&", "<", "&#0;", "\r\n", " "])),
                      max_size=6).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-bom", "utf-8-declared", "utf-16", "utf-16-le-declared",
                             "gb18030", "big5-declared", "latin-1-declared", "aes"])


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _escape(value: str, style: str) -> str:
    """One field's text as XML: CDATA (split around any `]]>`), escaped text, or character references
    for everything outside printable ASCII (also for code points XML 1.0 forbids)."""
    if style == "cdata":
        return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if style == "refs":
        escaped = "".join(c if 0x20 <= ord(c) < 0x7f else f"&#x{ord(c):x};" for c in escaped)
    return escaped


def _xml(fields: dict[str, str], style: str) -> str:
    return "<xml>" + "".join(f"<{tag}>{_escape(value, style)}</{tag}>" for tag, value in fields.items()) + "</xml>"


def _encode(xml: str, encoding: str) -> bytes:
    declared = {"utf-8-declared": "UTF-8", "utf-16-le-declared": "UTF-16LE", "gb18030": "GB18030",
                "big5-declared": "Big5", "latin-1-declared": "ISO-8859-1"}
    if encoding in ("utf-8", "aes"):
        return xml.encode()
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + xml.encode()
    if encoding == "utf-16":
        return xml.encode("utf-16")  # with its byte-order mark
    name = declared[encoding]
    document = f'<?xml version="1.0" encoding="{name}"?>{xml}'
    # Code points the declared encoding cannot carry go as character references, as an XML writer would.
    return document.encode(name.lower(), errors="xmlcharrefreplace")


class Webhook:
    """Posts bodies to /wechat of an app on the test database, signed (or not) like WeChat signs them."""

    def __init__(self, client, runtime) -> None:
        self.client, self.runtime = client, runtime

    def post(self, body: bytes, *, aes: bool = False, bad_signature: bool = False):
        timestamp, nonce = str(int(self.runtime.clock.now().timestamp())), str(next(_ids))
        query = {"timestamp": timestamp, "nonce": nonce, "signature": _sign(DEFAULT_WECHAT_TOKEN, timestamp, nonce)}
        if aes:
            crypto = WeChatCrypto(DEFAULT_WECHAT_TOKEN, AES_KEY, APP_ID)
            plain = body.decode(errors="ignore")  # a body cut short may end inside a character
            envelope = xmltodict.parse(crypto.encrypt_message(plain, nonce, timestamp))["xml"]
            body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{envelope['Encrypt']}</Encrypt></xml>".encode()
            query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
        if bad_signature:
            for name in ("signature", "msg_signature"):
                if name in query:
                    query[name] = query[name][::-1]
        return self.client.post("/wechat", query_string=query, data=body, content_type="text/xml", buffered=True)

    def settle(self) -> None:
        """On a loaded machine the database may miss the webhook's budget: the message is then journalled
        (and answered "系统稍忙"); replay it, as the replayer would, before looking at what is stored."""
        journal = inbound_journal(self.runtime)
        deadline = time.monotonic() + 30
        while journal.has_pending():
            assert time.monotonic() < deadline, "the journal was not replayed"
            replay_journal(self.runtime.uow, journal)  # {"busy": True} while the webhook's replayer runs
            time.sleep(0.05)

    def stored(self, key: str) -> list[InboundMessage]:
        with self.runtime.uow().transaction() as session:
            return list(session.scalars(select(InboundMessage).where(InboundMessage.dedupe_key == key)))

    def total(self) -> tuple[int, int]:
        with self.runtime.uow().transaction() as session:
            return (len(session.scalars(select(InboundMessage.id)).all()),
                    len(session.scalars(select(Case.id)).all()))


@pytest.fixture
def webhook(database_url, engine, clock, tmp_path, world):
    settings_ = load_settings({"DATABASE_URL": database_url, "MINYI_ENV": "testing",
                               "MINYI_INSTANCE_DIR": str(tmp_path / "instance"),
                               "WECHAT_ENCODING_AES_KEY": AES_KEY, "MINYI_BOT_RATE_LIMIT": "100000/minute",
                               "MINYI_BOT_DB_BUDGET_SECONDS": "4"})  # as tests/bot/conftest.py: fewer journalled
    runtime = build_runtime(settings_, clock=clock, engine=engine)
    hook = Webhook(create_app(settings_, runtime=runtime).test_client(), runtime)
    # A resident whose street is known, so their texts open cases (others are asked for their street).
    hubin = world.street("hubin").id
    hook.resident = "o-fuzz-resident"
    body = _xml({"ToUserName": "gh", "FromUserName": hook.resident, "CreateTime": timestamp_of(runtime),
                 "MsgType": "event", "Event": "SCAN", "EventKey": f"street:{hubin}"}, "cdata").encode()
    answer = hook.post(body).get_data(as_text=True)
    assert "已为您设置所在街道" in answer or answer == "success"  # "success": journalled on a busy machine
    hook.settle()
    return hook


def timestamp_of(runtime) -> str:
    return str(int(runtime.clock.now().timestamp()))


def _reply_text(response, aes: bool) -> str:
    body = response.get_data(as_text=True)
    if body == "success":
        return ""
    assert response.mimetype == "application/xml", body
    if aes:
        envelope = xmltodict.parse(body)["xml"]
        crypto = WeChatCrypto(DEFAULT_WECHAT_TOKEN, AES_KEY, APP_ID)
        body = crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    return xmltodict.parse(body)["xml"].get("Content") or ""


MESSAGES = st.fixed_dictionaries({
    "kind": st.sampled_from(["text", "image", "voice", "location", "link", "event"]),
    # A sender is whatever WeChat names, as long as something of it is left once the characters XML
    # cannot carry are gone (a message from nobody cannot be answered: that is a 400).
    "sender": st.one_of(st.just("resident"), NASTY_TEXT.filter(lambda s: 0 < len(clean_text(s).strip()) <= 64)),
    "to": NASTY_TEXT,
    "text": NASTY_TEXT,
    "padding": st.one_of(st.just(0), st.integers(0, 120_000)),  # "长" times this after the text: sizes
    "extra": NASTY_TEXT,
    "location": st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    "event": st.sampled_from(["subscribe", "SCAN", "CLICK", "VIEW", "LOCATION", "unsubscribe",
                              "TEMPLATESENDJOBFINISH"]),
    "style": st.sampled_from(["cdata", "escaped", "refs"]),
    "encoding": ENCODINGS,
}).map(lambda m: {**m, "style": "escaped"} if m["style"] == "cdata" and "declared" in m["encoding"]
       and m["encoding"] != "utf-8-declared" else m)  # a writer in Big5 or Latin-1 uses references, not CDATA


def _fields(webhook: Webhook, m: dict, msg_id: int) -> dict[str, str]:
    sender = webhook.resident if m["sender"] == "resident" else m["sender"]
    m = {**m, "text": m["text"] + "长" * m.get("padding", 0)}
    fields = {"ToUserName": m["to"], "FromUserName": sender, "CreateTime": timestamp_of(webhook.runtime),
              "MsgType": m["kind"]}
    if m["kind"] == "text":
        fields["Content"] = m["text"]
    elif m["kind"] == "image":
        fields.update(PicUrl=m["extra"], MediaId=m["text"])
    elif m["kind"] == "voice":
        fields.update(MediaId=m["extra"], Format=m["extra"], Recognition=m["text"])
    elif m["kind"] == "location":
        fields.update(Location_X=repr(m["location"][0]), Location_Y=repr(m["location"][1]), Scale="15",
                      Label=m["text"])
    elif m["kind"] == "link":
        fields.update(Title=m["extra"], Description=m["text"], Url=m["extra"])
    else:
        fields.update(Event=m["event"], EventKey=m["text"], Ticket=m["extra"], Status=m["extra"])
    if m["kind"] != "event":
        fields["MsgId"] = str(msg_id)
    return fields


def _key(fields: dict[str, str], webhook: Webhook) -> str | None:
    if "MsgId" in fields:
        return f"msg:{fields['MsgId']}"
    return None  # events: the key holds the sender, whose stored form is checked through the count


def _as_read(value: str, style: str) -> str | None:
    """What the webhook should make of a field's text: forbidden characters gone, line breaks normalised
    as XML does (character references keep a carriage return), outer whitespace stripped (xmltodict)."""
    value = clean_text(value)
    if style != "refs":
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip() or None


@given(m=MESSAGES)
@example(m={"kind": "text", "sender": "resident", "to": "gh", "text": "路灯坏了\x00\x01请修", "padding": 0, "extra": "",
            "location": (30.0, 120.0), "event": "SCAN", "style": "escaped", "encoding": "utf-8"})
@example(m={"kind": "text", "sender": "o-\x00nul", "to": "gh", "text": "井盖&#0;丢了", "padding": 0, "extra": "",
            "location": (30.0, 120.0), "event": "SCAN", "style": "refs", "encoding": "gb18030"})
@example(m={"kind": "location", "sender": "resident", "to": "gh", "text": "标" * 400, "padding": 0, "extra": "",
            "location": (30.0, 120.0), "event": "SCAN", "style": "cdata", "encoding": "utf-16"})
@example(m={"kind": "event", "sender": "resident", "to": "gh", "text": "k" * 500, "padding": 90_000, "extra": "\ufffe",
            "location": (30.0, 120.0), "event": "CLICK", "style": "cdata", "encoding": "aes"})
@FUZZ
def test_a_signed_message_always_gets_200_and_a_reply_and_is_stored_once(webhook, m):
    msg_id = next(_ids)
    fields = _fields(webhook, m, msg_id)
    body = _encode(_xml(fields, m["style"]), m["encoding"])
    aes = m["encoding"] == "aes"
    if len(body) > MAX_BODY_BYTES or (aes and len(body) * 4 // 3 > MAX_BODY_BYTES - 200):
        fields = {**fields, **{k: v[:1000] for k, v in fields.items() if k != "MsgId"}}  # under the cap
        body = _encode(_xml(fields, m["style"]), m["encoding"])
    before = webhook.total()
    first = webhook.post(body, aes=aes)
    assert first.status_code == 200, (first.get_data(as_text=True), m, body[:400])
    reply = _reply_text(first, aes)
    retry = webhook.post(body, aes=aes)  # WeChat's retry of the same message
    assert retry.status_code == 200 and _reply_text(retry, aes) == reply
    key = _key(fields, webhook)
    webhook.settle()
    after = webhook.total()
    if m["kind"] in ("text", "image", "voice", "location"):
        [row] = webhook.stored(key)  # stored once, whatever it held
        if m["kind"] == "text":
            assert (row.payload or {}).get("content") == _as_read(fields["Content"], m["style"])
        assert after[0] == before[0] + 1
        assert reply, "a message that is stored gets an answer (JOURNALLED when the database was too slow)"
    else:
        assert after[0] - before[0] <= 1  # links are not stored; an event at most once despite the retry
    assert after[1] - before[1] <= 1


@given(m=MESSAGES)
@FUZZ
def test_a_badly_signed_message_is_refused_and_stores_nothing(webhook, m):
    fields = _fields(webhook, m, next(_ids))
    body = _encode(_xml(fields, m["style"]), m["encoding"])[:MAX_BODY_BYTES // 2]
    before = webhook.total()
    response = webhook.post(body, aes=m["encoding"] == "aes", bad_signature=True)
    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.is_json and response.get_json()["error"]["code"] == "invalid_signature"
    assert webhook.total() == before


@given(body=st.one_of(st.binary(max_size=4096),
                      st.text(max_size=2000).map(lambda s: s.encode("utf-8", "surrogatepass")),
                      st.builds(lambda head, tail: head + b"\xed\xa0\x80" + tail,  # a lone surrogate, as bytes
                                st.just(b"<xml><FromUserName>o-x</FromUserName><CreateTime>1</CreateTime>"
                                        b"<MsgType>text</MsgType><MsgId>1</MsgId><Content>"),
                                st.just(b"</Content></xml>"))))
@FUZZ
def test_any_signed_body_gets_an_answer_never_a_server_error(webhook, body):
    """Bodies that are not messages at all: 200 or a clear 4xx with a JSON body, never a 5xx."""
    response = webhook.post(body)
    assert response.status_code in (200, 400, 413), response.get_data(as_text=True)
    if response.status_code != 200:
        assert response.is_json and re.fullmatch(r"[a-z_]+", response.get_json()["error"]["code"])

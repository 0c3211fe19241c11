"""Organisers run a hall from the console: create and schedule, moderate, close, conclude, downloads, scope."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.cases.models import Case
from server.core.clock import LOCAL_ZONE
from server.halls import opinions
from server.halls import service as topics
from server.halls.models import Opinion, Topic, TopicEvent, TopicFollowUp
from server.pushes.models import OutboxMessage

OFFICE = "hubin-office"


def local_input(moment) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%dT%H:%M")


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def scalar(runtime, query):
    with runtime.uow().transaction() as session:
        return session.scalar(query)


def open_topic(world, runtime, clock, street="hubin", title="湖滨路口改造意见征集"):
    office = world.office(street)
    topic = topics.create_topic(runtime.uow(), actor_id=office.id, title=title, background="请居民提出意见。",
                                closes_at=clock.now() + timedelta(days=3))
    return topics.open_topic(runtime.uow(), actor_id=office.id, topic_id=topic.id)


def signed_in_page(signed_in, username: str, path: str = "/console/halls"):
    """Signed in, with a page open (its CSRF token read, as a browser would before posting)."""
    console = signed_in(username)
    assert console.get(path).status_code == 200
    return console


def post(world, runtime, topic_id, name, text):
    return opinions.post_opinion(runtime.uow(), author_id=world.person(name).id, topic_id=topic_id, text=text)


def test_an_organiser_creates_and_schedules_a_topic_with_a_photo(world, signed_in, runtime, clock):
    console = signed_in(OFFICE)
    assert console.get("/console/halls/new").status_code == 200
    opens = clock.now() + timedelta(hours=2)
    response = console.post("/console/halls/new", {
        "title": "西湖大道停车难", "background": "晚间停车难，征集意见。", "street_id": str(world.street("hubin").id),
        "community_id": "0", "opens_at": local_input(opens), "closes_at": local_input(opens + timedelta(days=2)),
        "photos": (io.BytesIO(png_bytes()), "site.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with runtime.uow().transaction() as session:
        topic = session.scalar(select(Topic).where(Topic.title == "西湖大道停车难"))
        assert topic.state == "draft" and topic.opens_at == opens.replace(second=0, microsecond=0)
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "西湖大道停车难" in page and "未开放" in page and "创建议题" in page
    photo = page.split(f"/console/halls/{topic.id}/files/")[1].split('"')[0]
    picture = console.get(f"/console/halls/{topic.id}/files/{photo}")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert console.get(f"/console/halls/{topic.id}/files/999999").status_code == 404
    assert "西湖大道停车难" in console.get("/console/halls").get_data(as_text=True)


@pytest.mark.both_databases("one live topic per title: the street row is locked FOR UPDATE on PostgreSQL")
def test_a_form_sent_twice_makes_one_topic(world, signed_in, runtime, clock):
    console = signed_in_page(signed_in, OFFICE, "/console/halls/new")
    form = {"title": "清河坊夜市噪音", "background": "征集意见", "street_id": str(world.street("hubin").id),
            "community_id": "0", "closes_at": local_input(clock.now() + timedelta(days=1))}
    assert console.post("/console/halls/new", form).status_code == 302
    again = console.post("/console/halls/new", form)
    assert again.status_code == 200 and "本街道已有同名的议题" in again.get_data(as_text=True)
    assert scalar(runtime, select(func.count(Topic.id)).where(Topic.title == "清河坊夜市噪音")) == 1


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_stored(world, signed_in, runtime, clock):
    console = signed_in_page(signed_in, OFFICE, "/console/halls/new")
    before = scalar(runtime, select(func.count(Topic.id)))
    response = console.post("/console/halls/new", {
        "title": "", "background": "背景说明保留", "street_id": str(world.street("hubin").id), "community_id": "0",
        "closes_at": local_input(clock.now() - timedelta(hours=1))})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "请填写议题标题" in body and "背景说明保留" in body
    response = console.post("/console/halls/new", {
        "title": "时间不对", "background": "背景", "street_id": str(world.street("hubin").id), "community_id": "0",
        "closes_at": local_input(clock.now() - timedelta(hours=1))})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "截止时间须晚于" in body and 'value="时间不对"' in body
    response = console.post("/console/halls/new", {
        "title": "别的街道", "background": "背景", "street_id": str(world.street("kaixuan").id), "community_id": "0",
        "closes_at": local_input(clock.now() + timedelta(days=1))})
    assert response.status_code == 200 and "不在您的街道范围内" in response.get_data(as_text=True)
    assert scalar(runtime, select(func.count(Topic.id))) == before


def test_moderate_an_opinion_hide_unhide_pin_reply(world, signed_in, runtime, clock):
    topic = open_topic(world, runtime, clock)
    first = post(world, runtime, topic.id, "章小平", "路口需要红绿灯")
    second = post(world, runtime, topic.id, "沈建华", "请加装隔离栏，我的电话13800000000")
    console = signed_in_page(signed_in, OFFICE)
    base = f"/console/halls/{topic.id}/opinions"
    page = console.get(f"/console/halls/{topic.id}").get_data(as_text=True)
    assert "路口需要红绿灯" in page and "章小平" in page  # organisers see full names

    refused = console.post(f"{base}/{second.id}/hide", {"reason": "  "})
    assert refused.status_code == 200 and "请填写隐藏原因" in refused.get_data(as_text=True)
    assert console.post(f"{base}/{second.id}/hide", {"reason": "含有电话号码"}).status_code == 302
    page = console.get(f"/console/halls/{topic.id}").get_data(as_text=True)
    assert "已隐藏该意见" in page and "隐藏原因：含有电话号码" in page
    assert console.post(f"{base}/{second.id}/unhide").status_code == 302
    assert console.post(f"{base}/{first.id}/pin").status_code == 302
    assert console.post(f"{base}/{first.id}/reply", {"text": "已转交交警部门研究"}).status_code == 302
    author_id = world.person("章小平").id
    with runtime.uow().transaction() as session:
        shown, pinned = session.get(Opinion, second.id), session.get(Opinion, first.id)
        assert not shown.hidden and shown.hide_reason is None
        assert pinned.pinned and pinned.reply == "已转交交警部门研究"
        actions = list(session.scalars(select(TopicEvent.action).where(TopicEvent.topic_id == topic.id)
                                       .order_by(TopicEvent.id)))
        assert actions[-4:] == ["hide", "unhide", "pin", "reply"]
        assert session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "opinion_replied", OutboxMessage.recipient_id == author_id)) == 1
    # un-hiding twice says why and changes nothing
    console.post(f"{base}/{second.id}/unhide")
    assert "该意见没有被隐藏" in console.get(f"/console/halls/{topic.id}").get_data(as_text=True)


@pytest.mark.both_databases("concluding makes and routes a case inside the topic's locked transaction")
def test_close_and_conclude_with_adoption_a_case_and_follow_ups(world, signed_in, runtime, clock):
    topic = open_topic(world, runtime, clock)
    adopted = post(world, runtime, topic.id, "章小平", "路口需要红绿灯")
    to_case = post(world, runtime, topic.id, "马丽", "井盖破损请维修")
    console = signed_in_page(signed_in, OFFICE)
    assert console.post(f"/console/halls/{topic.id}/close").status_code == 302
    missing = console.post(f"/console/halls/{topic.id}/conclude", {"summary": "", "follow_ups": "下季度再议"})
    body = missing.get_data(as_text=True)
    assert missing.status_code == 200 and "请填写结果说明" in body and "下季度再议" in body
    unit = world.unit("湖滨街道公共管理办公室")
    data = {"summary": "采纳增设红绿灯的意见", "adopt": [str(adopted.id)], "make_case": [str(to_case.id)],
            "follow_ups": "下季度再议停车位划线\n\n三个月后回访", f"unit-{to_case.id}": str(unit.id)}
    response = console.post(f"/console/halls/{topic.id}/conclude", data)
    assert response.status_code == 302
    with runtime.uow().transaction() as session:
        assert session.get(Topic, topic.id).state == "concluded"
        assert session.get(Opinion, adopted.id).adopted
        case_id = session.get(Opinion, to_case.id).case_id
        case = session.get(Case, case_id)
        assert case.source == "hall" and case.state == "routed"
        follow_ups = list(session.scalars(select(TopicFollowUp).where(TopicFollowUp.topic_id == topic.id)
                                          .order_by(TopicFollowUp.id)))
        assert [f.description for f in follow_ups] == ["下季度再议停车位划线", "三个月后回访"]
    done = f"/console/halls/{topic.id}/follow-ups/{follow_ups[0].id}/done"
    assert console.post(done).status_code == 302
    console.post(done)  # a second click is refused with a message, not a second event
    page = console.get(f"/console/halls/{topic.id}").get_data(as_text=True)
    assert "已标记为完成" in page and "后续事项办结" in page
    assert scalar(runtime, select(func.count(TopicEvent.id)).where(TopicEvent.action == "follow_up_done")) == 1


def test_another_streets_hall_is_not_there(world, signed_in, runtime, clock):
    theirs = open_topic(world, runtime, clock, street="kaixuan", title="凯旋的议题")
    mine = open_topic(world, runtime, clock)
    foreign = post(world, runtime, theirs.id, "朱伟", "凯旋的意见")
    console = signed_in_page(signed_in, OFFICE)
    for path in (f"/console/halls/{theirs.id}", f"/console/halls/{theirs.id}/qr.png",
                 f"/console/halls/{theirs.id}/poster.pdf", f"/console/halls/{theirs.id}/edit"):
        assert console.get(path).status_code == 404, path
    assert console.post(f"/console/halls/{theirs.id}/close").status_code == 404
    # an opinion of another street's hall under my hall's address
    assert console.post(f"/console/halls/{mine.id}/opinions/{foreign.id}/hide", {"reason": "x"}).status_code == 404
    assert "凯旋的议题" not in console.get("/console/halls").get_data(as_text=True)
    district = signed_in("district")
    assert district.get(f"/console/halls/{theirs.id}").status_code == 200
    assert signed_in("hubin-office").get("/console/halls?state=bogus").status_code == 200


def test_qr_code_and_poster_download(world, signed_in, runtime, clock):
    topic = open_topic(world, runtime, clock)
    console = signed_in(OFFICE)
    qr = console.get(f"/console/halls/{topic.id}/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png" and "attachment" in qr.headers["Content-Disposition"]
    assert Image.open(io.BytesIO(qr.data)).size[0] > 50
    poster = console.get(f"/console/halls/{topic.id}/poster.pdf")
    assert poster.status_code == 200 and poster.data.startswith(b"%PDF")
    assert console.get(f"/console/halls/{topic.id}/poster.svg").status_code == 404


def test_units_and_deputies_have_no_hall_pages(world, signed_in, runtime, clock):
    topic = open_topic(world, runtime, clock)
    for username in ("hubin-public", "hubin-deputy1"):
        console = signed_in(username)
        assert console.get("/console/halls").status_code == 404
        assert console.get(f"/console/halls/{topic.id}").status_code == 404
        assert "议题管理" not in console.get("/console/").get_data(as_text=True)


def test_a_draft_is_edited_and_a_bad_photo_is_refused(world, signed_in, runtime, clock):
    office = world.office("hubin")
    draft = topics.create_topic(runtime.uow(), actor_id=office.id, title="草稿议题", background="背景",
                                closes_at=clock.now() + timedelta(days=2))
    console = signed_in_page(signed_in, OFFICE, f"/console/halls/{draft.id}/edit")
    form = {"title": "改过的议题", "background": "新的背景", "street_id": str(world.street("hubin").id),
            "community_id": str(world.community("东坡路社区").id), "opens_at": "",
            "closes_at": local_input(clock.now() + timedelta(days=4))}
    refused = console.post(f"/console/halls/{draft.id}/edit", {**form, "photos": (io.BytesIO(b"not an image"), "x.png")},
                           content_type="multipart/form-data")
    assert refused.status_code == 200 and "无法识别的图片文件" in refused.get_data(as_text=True)
    assert console.post(f"/console/halls/{draft.id}/edit", form).status_code == 302
    with runtime.uow().transaction() as session:
        topic = session.get(Topic, draft.id)
        assert (topic.title, topic.background) == ("改过的议题", "新的背景")
        assert topic.community_id is not None and topic.closes_at == (clock.now() + timedelta(days=4)).replace(second=0)
    topics.open_topic(runtime.uow(), actor_id=office.id, topic_id=draft.id)
    opened = console.get(f"/console/halls/{draft.id}/edit")
    assert opened.status_code == 302  # an open topic is extended, not edited
    assert "只能延期" in console.get(opened.headers["Location"]).get_data(as_text=True)

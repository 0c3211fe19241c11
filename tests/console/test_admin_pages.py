"""The district administers from the console: accounts, reference data, failed pushes, the audit log."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from server.audit.models import StaffActionRecord
from server.core.clock import LOCAL_ZONE
from server.halls import opinions
from server.halls import service as topics
from server.people import service as people
from server.people.models import Person
from server.places.models import Category, Community, HandlingUnit, RoutingRule, Street
from server.pushes import notifications
from server.pushes.models import OutboxMessage
from server.pushes.states import OutboxKind, OutboxStatus
from tests.console.conftest import ConsoleClient

ADMIN = "district"


def admin_console(signed_in, path="/console/admin/people"):
    console = signed_in(ADMIN)
    assert console.get(path).status_code == 200
    return console


def count(runtime, model, *where):
    with runtime.uow().transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def table(response) -> str:
    """The rows of the page's table, without the filters above it."""
    return response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]


def audit_actions(runtime) -> list[str]:
    with runtime.uow().transaction() as session:
        return [a.value for a in session.scalars(select(StaffActionRecord.action).order_by(StaffActionRecord.id))]


def test_only_the_district_administers(world, signed_in):
    for username in ("hubin-office", "hubin-public", "hubin-deputy1"):
        console = signed_in(username)
        for path in ("/console/admin/people", "/console/admin/places", "/console/admin/pushes",
                     "/console/admin/audit", "/console/admin/audit.csv"):
            assert console.get(path).status_code == 404, (username, path)
    assert "人员与角色" in admin_console(signed_in).get("/console/admin/people").get_data(as_text=True)


def test_create_an_account_with_errors_next_to_the_fields(world, signed_in, runtime, app):
    console = admin_console(signed_in, "/console/admin/people/new")
    before = count(runtime, Person)
    bad = console.post("/console/admin/people/new", {
        "name": "王小明", "username": "Bad Name!", "role": "street_office", "phone": "",
        "street_id": str(world.street("hubin").id), "community_id": "0", "unit_id": "0", "password": "long-enough-1"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "用户名为 3–32 位" in body and 'value="王小明"' in body
    no_street = console.post("/console/admin/people/new", {
        "name": "王小明", "username": "hubin-office2", "role": "street_office", "street_id": "0", "community_id": "0",
        "unit_id": "0", "password": "long-enough-1"})
    assert no_street.status_code == 200 and "请选择所属街道" in no_street.get_data(as_text=True)
    taken = console.post("/console/admin/people/new", {
        "name": "王小明", "username": "hubin-office", "role": "street_office",
        "street_id": str(world.street("hubin").id), "community_id": "0", "unit_id": "0", "password": "long-enough-1"})
    assert taken.status_code == 200 and "该用户名已被使用" in taken.get_data(as_text=True)
    assert count(runtime, Person) == before and audit_actions(runtime) == []

    made = console.post("/console/admin/people/new", {
        "name": "王小明", "username": "hubin-office2", "role": "street_office",
        "street_id": str(world.street("hubin").id), "community_id": "0", "unit_id": "0", "password": "long-enough-1"})
    assert made.status_code == 302
    assert audit_actions(runtime) == ["person_create"]
    fresh = ConsoleClient(app.test_client())  # the new account signs in with its first password
    assert fresh.login("hubin-office2", "long-enough-1").status_code == 302


def test_edit_the_scope_of_an_account(world, signed_in, runtime):
    console = admin_console(signed_in)
    person = world.office("hubin")
    page = console.get(f"/console/admin/people/{person.id}")
    assert page.status_code == 200 and "胡敏" in page.get_data(as_text=True)
    moved = console.post(f"/console/admin/people/{person.id}", {
        "name": "胡敏", "role": "street_office", "phone": "13900000000", "street_id": str(world.street("caihe").id),
        "community_id": "0", "unit_id": "0"})
    assert moved.status_code == 302
    caihe = world.street("caihe").id
    with runtime.uow().transaction() as session:
        assert session.get(Person, person.id).street_id == caihe
    wrong = console.post(f"/console/admin/people/{person.id}", {
        "name": "胡敏", "role": "street_office", "phone": "12", "street_id": str(world.street("caihe").id),
        "community_id": "0", "unit_id": "0"})
    assert wrong.status_code == 200 and "手机号码格式不正确" in wrong.get_data(as_text=True)
    assert console.get("/console/admin/people/999999").status_code == 404
    resident = world.person("章小平")
    assert console.get(f"/console/admin/people/{resident.id}").status_code == 404  # not an account


def test_disable_an_account_and_its_api_token_is_refused_at_once(world, signed_in, client, runtime):
    tokens = client.post("/api/v1/auth/password", json={"username": "hubin-public", "password": "minyi-demo"})
    headers = {"Authorization": f"Bearer {tokens.get_json()['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    unit_console = signed_in("hubin-public")
    person = world.unit_staff("湖滨街道公共管理办公室")
    console = admin_console(signed_in)
    response = console.post(f"/console/admin/people/{person.id}/disable")
    assert response.status_code == 302
    assert "已停用账号，结束了 2 个登录会话" in console.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert "/console/login" in unit_console.get("/console/").headers["Location"]
    console.post(f"/console/admin/people/{person.id}/disable")  # twice: a message, no second entry
    me = world.district()
    console.post(f"/console/admin/people/{me.id}/disable")  # never oneself
    with runtime.uow().transaction() as session:
        assert session.get(Person, me.id).is_active
    assert console.post(f"/console/admin/people/{person.id}/enable").status_code == 302
    assert client.post("/api/v1/auth/password", json={"username": "hubin-public",
                                                       "password": "minyi-demo"}).status_code == 200
    assert audit_actions(runtime) == ["person_disable", "person_enable"]


def test_reset_a_password(world, signed_in, client, runtime):
    console = admin_console(signed_in)
    person = world.office("hubin")
    short = console.post(f"/console/admin/people/{person.id}/password", {"password": "short"})
    assert short.status_code == 200 and "密码至少 8 位" in short.get_data(as_text=True)
    assert console.post(f"/console/admin/people/{person.id}/password", {"password": "a-new-secret"}).status_code == 302
    assert client.post("/api/v1/auth/password", json={"username": "hubin-office",
                                                       "password": "minyi-demo"}).status_code == 401
    assert client.post("/api/v1/auth/password", json={"username": "hubin-office",
                                                       "password": "a-new-secret"}).status_code == 200
    assert audit_actions(runtime) == ["password_reset"]


def test_a_binding_code_as_a_qr_code_and_text(world, signed_in, runtime):
    console = admin_console(signed_in)
    deputy = world.person("严民强")
    page = console.post(f"/console/admin/people/{deputy.id}/bind-code")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'src="data:image/png;base64,' in body
    code = body.split("data-bind-code>")[1].split("<")[0]
    assert len(code) == 8 and f"绑定 {code}" in body
    bound = people.bind_wechat(runtime.uow(), openid="o-deputy-yan", code=code)
    assert bound.id == deputy.id
    assert audit_actions(runtime) == ["bind_code"]


def test_streets_units_categories_and_routing_rules(world, signed_in, runtime):
    console = admin_console(signed_in, "/console/admin/places")
    save = "/console/admin/places/"
    bad = console.post(save + "street", {"code": "Z!", "name": "紫阳街道"})
    assert bad.status_code == 200 and "编码为" in bad.get_data(as_text=True) and "紫阳街道" in bad.get_data(as_text=True)
    assert console.post(save + "street", {"code": "ziyang", "name": "紫阳街道"}).status_code == 302
    street = world.street("ziyang")
    assert console.post(save + "community", {"street_id": str(street.id), "name": "紫阳社区"}).status_code == 302
    dup = console.post(save + "community", {"street_id": str(street.id), "name": "紫阳社区"})
    assert dup.status_code == 200 and "该街道已有同名社区" in dup.get_data(as_text=True)
    assert console.post(save + "unit", {"name": "紫阳街道城管中队", "platform": "enforcement",
                                        "street_id": str(street.id)}).status_code == 302
    no_platform = console.post(save + "unit", {"name": "某单位", "platform": ""})
    assert no_platform.status_code == 200 and "请选择所属平台" in no_platform.get_data(as_text=True)
    assert console.post(save + "category", {"code": "parking", "name": "停车管理", "platform": "enforcement",
                                            "keywords": "停车，车位、乱停"}).status_code == 302
    unit, category = world.unit("紫阳街道城管中队"), world.category("parking")
    assert category.keyword_list == ["停车", "车位", "乱停"]
    foreign = console.post(save + "rule", {"category_id": str(category.id), "street_id": str(world.street("hubin").id),
                                           "unit_id": str(unit.id)})
    assert foreign.status_code == 200 and "该承办单位不属于所选街道" in foreign.get_data(as_text=True)
    assert console.post(save + "rule", {"category_id": str(category.id), "street_id": str(street.id),
                                        "unit_id": str(unit.id)}).status_code == 302
    rule_id = world._one(RoutingRule, category_id=category.id).id
    assert "紫阳街道城管中队" in table(console.get("/console/admin/places?tab=rules"))
    only_hubin = table(console.get(f"/console/admin/places?tab=rules&street_id={world.street('hubin').id}"))
    assert "湖滨街道公共管理办公室" in only_hubin and "紫阳街道城管中队" not in only_hubin
    assert console.post(f"{save}rule/{rule_id}/delete").status_code == 302
    assert count(runtime, RoutingRule, RoutingRule.category_id == category.id) == 0
    assert count(runtime, Community, Community.street_id == street.id) == 1
    assert count(runtime, HandlingUnit, HandlingUnit.name == "某单位") == 0
    assert count(runtime, Street, Street.code == "ziyang") == 1 and count(runtime, Category, Category.code == "parking")
    assert audit_actions(runtime) == ["street_save", "community_save", "unit_save", "category_save", "rule_save",
                                      "rule_delete"]
    for tab in ("streets", "units", "categories", "rules"):
        assert console.get(f"/console/admin/places?tab={tab}").status_code == 200
    assert console.get("/console/admin/places?tab=nope").status_code == 404


def dead_push(runtime, world, status=OutboxStatus.dead) -> int:
    """A reply push that WeChat refused eight times (the dispatcher's dead letter)."""
    recipient = world.person("章小平").id
    with runtime.uow().transaction() as session:
        notifications.enqueue(session, kind=OutboxKind.opinion_replied, recipient_id=recipient, now=runtime.clock.now(),
                              payload={"topic_id": 1, "topic_title": "示例", "reply": "好"}, dedupe_key="dead-reply")
        outbox_id = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "dead-reply"))
        session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id)
                        .values(status=status, attempts=8, last_error="errcode 43004: require subscribe"))
        return outbox_id


@pytest.mark.both_databases("the retry locks the outbox row (FOR UPDATE) and writes its audit line")
def test_retry_a_dead_lettered_push(world, signed_in, runtime):
    outbox_id = dead_push(runtime, world)
    console = admin_console(signed_in, "/console/admin/pushes")
    page = console.get("/console/admin/pushes").get_data(as_text=True)
    assert f"#{outbox_id}" in page and "意见回复通知" in page and "章小平" in page and "43004" in page
    assert console.post(f"/console/admin/pushes/{outbox_id}/retry").status_code == 302
    with runtime.uow().transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row.status == OutboxStatus.pending and row.attempts == 0
    again = console.post(f"/console/admin/pushes/{outbox_id}/retry")
    assert "只能重试发送失败或被跳过的推送" in console.get(again.headers["Location"]).get_data(as_text=True)
    assert f"#{outbox_id}" not in console.get("/console/admin/pushes").get_data(as_text=True)
    assert console.post("/console/admin/pushes/999999/retry").status_code == 404
    assert audit_actions(runtime) == ["push_retry"]


@pytest.mark.both_databases("the audit log merges three sources with time ranges and limited sub-selects")
def test_the_audit_log_filters_and_exports(world, signed_in, runtime, clock):
    office = world.office("hubin")
    topic = topics.create_topic(runtime.uow(), actor_id=office.id, title="=SUM(1)议题", background="背景",
                                closes_at=clock.now() + timedelta(days=2))
    topics.open_topic(runtime.uow(), actor_id=office.id, topic_id=topic.id)
    opinion = opinions.post_opinion(runtime.uow(), author_id=world.person("章小平").id, topic_id=topic.id, text="好")
    opinions.hide_opinion(runtime.uow(), actor_id=office.id, opinion_id=opinion.id, reason="=cmd|' /C calc'!A0")
    clock.advance(days=3)
    console = admin_console(signed_in, "/console/admin/audit")
    console.post(f"/console/admin/people/{world.unit_staff('湖滨街道公共管理办公室').id}/disable")

    everything = table(console.get("/console/admin/audit"))
    assert "隐藏意见" in everything and "停用账号" in everything and "胡敏" in everything
    mine = table(console.get(f"/console/admin/audit?person={office.id}"))
    assert "隐藏意见" in mine and "停用账号" not in mine
    hides = table(console.get("/console/admin/audit?action=hall:hide"))
    assert "隐藏意见" in hides and "创建议题" not in hides
    today = clock.now().date().isoformat()
    recent = table(console.get(f"/console/admin/audit?since={today}"))
    assert "停用账号" in recent and "隐藏意见" not in recent
    bad = console.get("/console/admin/audit?since=2026-13-40&until=2026-01-01")
    assert bad.status_code == 200 and "日期格式不正确" in bad.get_data(as_text=True)
    backwards = console.get("/console/admin/audit?since=2026-02-01&until=2026-01-01")
    assert "结束日期不能早于开始日期" in backwards.get_data(as_text=True)

    exported = console.get(f"/console/admin/audit.csv?person={office.id}")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.data.startswith(b"\xef\xbb\xbf") and "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "操作人", "角色", "类别", "操作", "对象", "说明"]
    assert [row[4] for row in rows[1:]] == ["隐藏意见", "开放议题", "创建议题"]
    assert rows[1][6].startswith("'=")  # a formula typed by someone stays text in a spreadsheet
    hidden_at = (clock.now() - timedelta(days=3)).astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")
    assert rows[1][0] == hidden_at and rows[1][1] == "胡敏"

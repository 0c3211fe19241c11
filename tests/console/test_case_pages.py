"""The console's case pages over HTTP: the triage queue, a case page and every action on it, a unit's
lists, the district's watch list and the reply templates; scope as the API, bad input changes nothing."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from server.cases import queries as case_queries
from server.cases import service as cases
from server.cases.models import Case, CaseAssistingUnit, CaseEvent
from server.pushes.models import OutboxMessage

OFFICE = "hubin-office"
PUBLIC = "湖滨街道公共管理办公室"
MARKET = "湖滨街道市场监管所"
ENFORCEMENT = "湖滨街道综合行政执法队"


@pytest.fixture
def staff(signed_in):
    """A signed-in client holding the CSRF token of its signed-in session (a page was opened)."""
    def open_console(username: str):
        client = signed_in(username)
        client.get("/console/", follow_redirects=True)
        return client
    return open_console


def accepted(world, runtime, description="祖庙巷51号小区内绿化枯萎需要补种", **kwargs) -> Case:
    case = world.create_case(description=description, **kwargs)
    cases.accept_case(runtime.uow(), actor_id=world.person("严民强").id, case_id=case.id)
    return case


def routed(world, runtime, unit=PUBLIC, **kwargs) -> Case:
    case = accepted(world, runtime, **kwargs)
    cases.route_case(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id,
                     unit_id=world.unit(unit).id)
    return case


def body(response) -> str:
    return response.get_data(as_text=True)


def rows(runtime, model, *where):
    with runtime.uow().transaction() as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def photo_bytes(colour="green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_the_triage_queue_lists_the_streets_open_cases_by_time_left(world, runtime, clock, staff):
    first = accepted(world, runtime, description="小区门口路灯坏了一个多星期")
    clock.advance(hours=1)
    second = accepted(world, runtime, description="楼下餐馆油烟很大")
    elsewhere = world.create_case(reporter="朱伟", description="凤起东路行人横穿马路")
    clock.advance(hours=67)  # the first case has 4 hours left: marked
    page = staff(OFFICE).get("/console/cases/queue")
    html = body(page)
    assert page.status_code == 200 and "共 2 件" in html
    assert html.index(first.tracking_number) < html.index(second.tracking_number)
    assert elsewhere.tracking_number not in html
    row = re.search(rf'<tr class="([a-z]*)">\s*<td><input type="checkbox" name="case_ids" value="{first.id}"', html)
    assert row and row.group(1) == "soon" and "剩余 4 小时" in html
    assert "街道人大办" in html  # the holder


@pytest.mark.both_databases("the work list's count, offset and text filter are SQL over a partial index")
def test_queue_filters_and_pages(world, runtime, staff):
    for number in range(23):
        accepted(world, runtime, description=f"第{number}处井盖破损" if number % 2 else f"第{number}处路灯坏了")
    office = staff(OFFICE)
    first = body(office.get("/console/cases/queue"))
    assert "共 23 件" in first and "第 1 / 2 页" in first and first.count('name="case_ids"') == 20
    assert body(office.get("/console/cases/queue?page=2")).count('name="case_ids"') == 3
    lamps = body(office.get("/console/cases/queue?q=路灯"))
    assert "共 12 件" in lamps and "井盖" not in lamps
    facilities = world.category("facilities").id
    assert "共 23 件" in body(office.get(f"/console/cases/queue?category={facilities}"))
    assert "共 0 件" in body(office.get("/console/cases/queue?overdue=1"))
    assert "共 0 件" in body(office.get("/console/cases/queue?state=closed"))


def test_another_streets_case_is_not_found_and_a_residents_html_shows_as_text(world, runtime, staff):
    own = accepted(world, runtime, description="<script>alert(1)</script><b>路灯</b>坏了")
    other = world.create_case(reporter="朱伟", description="凤起东路行人横穿马路")
    office = staff(OFFICE)
    page = office.get(f"/console/cases/{own.id}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;路灯&lt;/b&gt;坏了" in body(page)
    assert "<script>alert(1)" not in body(page)
    assert office.get(f"/console/cases/{other.id}").status_code == 404
    assert office.post(f"/console/cases/{other.id}/note", {"text": "看看"}).status_code == 404
    assert staff("kaixuan-office").get(f"/console/cases/{own.id}").status_code == 404
    assert staff("district").get(f"/console/cases/{own.id}").status_code == 200


def test_route_with_an_assisting_unit_tells_each_unit_and_only_the_lead_resolves(world, runtime, staff):
    case = accepted(world, runtime)
    office = staff(OFFICE)
    page = body(office.get(f"/console/cases/{case.id}"))
    suggested = re.search(r'<select[^>]*name="unit_id"[^>]*>\s*<option[^>]*value="(\d+)"[^>]*>([^<]+)<', page)
    assert suggested.group(2) == f"{PUBLIC}（建议）"  # the routing rule's unit first
    lead, helper = world.unit(PUBLIC), world.unit(MARKET)
    response = office.post(f"/console/cases/{case.id}/route",
                           {"unit_id": lead.id, "assisting_unit_ids": [helper.id], "note": "请共同处理"})
    assert response.status_code == 302
    shown = body(office.get(response.headers["Location"]))
    assert f"已流转至{PUBLIC}，{MARKET}协办" in shown and "请共同处理" in shown
    assert [link.unit_id for link in rows(runtime, CaseAssistingUnit, CaseAssistingUnit.case_id == case.id)] == \
        [helper.id]
    pushed = {(m.kind, m.recipient_id) for m in rows(runtime, OutboxMessage, OutboxMessage.case_id == case.id)}
    assert ("case_routed", world.unit_staff(PUBLIC).id) in pushed
    assert ("case_assisting", world.unit_staff(MARKET).id) in pushed
    market = staff("hubin-market")
    assert "协办" in body(market.get("/console/unit/cases"))
    helper_page = body(market.get(f"/console/cases/{case.id}"))
    assert "办结反馈" not in helper_page and "内部备注" in helper_page
    refused = market.post(f"/console/cases/{case.id}/resolve", {"feedback": "已处理"})
    assert refused.status_code == 403 and "只有承办单位可以办结" in body(refused)
    assert world.reload(case).state == "routed"
    unit = staff("hubin-public")
    unit.get(f"/console/cases/{case.id}")
    done = unit.http.post(f"/console/cases/{case.id}/resolve", content_type="multipart/form-data",
                          data={"csrf_token": unit.token, "feedback": "已补种完毕",
                                "photos": [(io.BytesIO(photo_bytes()), "after.jpg"),
                                           (io.BytesIO(photo_bytes("blue")), "wide.jpg")]})
    assert done.status_code == 302
    assert "已办结并反馈群众（附 2 张照片）" in body(unit.get(done.headers["Location"]))
    detail = case_queries.get_case_detail(runtime.uow(), actor_id=world.office("hubin").id, case_id=case.id)
    assert detail["state"] == "resolved" and len([a for a in detail["attachments"] if a["kind"] == "feedback"]) == 2
    photo = detail["attachments"][0]["id"]
    thumb = office.get(f"/console/files/{photo}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.data)).size[0] <= 240
    assert staff("kaixuan-office").get(f"/console/files/{photo}").status_code == 404


def test_a_wrong_form_changes_nothing_and_says_why_next_to_the_field(world, runtime, staff):
    case = accepted(world, runtime)
    office = staff(OFFICE)
    refused = office.post(f"/console/cases/{case.id}/reject", {"reason": "  "})
    assert refused.status_code == 200 and "请填写不予受理理由" in body(refused)
    assert world.reload(case).state == "accepted"
    too_many = staff("hubin-public")
    case2 = routed(world, runtime)
    too_many.get(f"/console/cases/{case2.id}")
    files = [(io.BytesIO(photo_bytes()), f"{n}.jpg") for n in range(10)]
    response = too_many.http.post(f"/console/cases/{case2.id}/resolve", content_type="multipart/form-data",
                                  data={"csrf_token": too_many.token, "feedback": "好了", "photos": files})
    assert response.status_code == 200 and "最多上传 9 张图片" in body(response)
    not_image = too_many.http.post(f"/console/cases/{case2.id}/resolve", content_type="multipart/form-data",
                                   data={"csrf_token": too_many.token, "feedback": "好了",
                                         "photos": [(io.BytesIO(b"not an image"), "a.jpg")]})
    assert not_image.status_code == 200 and "无法识别的图片文件" in body(not_image)
    assert world.reload(case2).state == "routed"
    no_token = office.http.post(f"/console/cases/{case.id}/note", data={"text": "备注"})
    assert no_token.status_code == 400
    assert len(rows(runtime, CaseEvent, CaseEvent.case_id == case.id, CaseEvent.action == "note")) == 0


def test_reject_escalate_and_a_note_the_resident_never_reads(world, runtime, staff):
    case = accepted(world, runtime)
    office = staff(OFFICE)
    assert office.post(f"/console/cases/{case.id}/note", {"text": "已电话联系物业"}).status_code == 302
    resident = world.person("章小平").id
    seen = case_queries.get_case_detail(runtime.uow(), actor_id=resident, case_id=case.id)["timeline"]
    assert "note" not in {event["action"] for event in seen}
    assert "已电话联系物业" in body(office.get(f"/console/cases/{case.id}"))
    response = office.post(f"/console/cases/{case.id}/escalate", {"reason": "涉及多个部门"})
    assert "已提级至区人大常委会办理" in body(office.get(response.headers["Location"]))
    district = staff("district")
    watch = body(district.get("/console/district/cases"))
    assert case.tracking_number in watch and "共 1 件" in watch
    routed_by_district = district.post(f"/console/cases/{case.id}/route", {"unit_id": world.unit("上城交警大队").id})
    assert "已流转至上城交警大队" in body(district.get(routed_by_district.headers["Location"]))
    other = accepted(world, runtime, description="有人在楼顶违建")
    office.post(f"/console/cases/{other.id}/reject", {"reason": "已进入司法程序"})
    assert world.reload(other).state == "rejected"


@pytest.mark.both_databases("the merge search and the assisting units' scope are SQL")
def test_merge_through_the_search_box(world, runtime, staff):
    target = accepted(world, runtime, description="岳王路路灯不亮")
    duplicate = accepted(world, runtime, description="岳王路路灯不亮了好几天")
    office = staff(OFFICE)
    page = body(office.get(f"/console/cases/{duplicate.id}"))
    assert f'hx-get="/console/cases/{duplicate.id}/duplicates"' in page  # the panel loads after the page
    panel = body(office.get(f"/console/cases/{duplicate.id}/duplicates", headers={"HX-Request": "true"}))
    assert target.tracking_number in panel and "内容相似" in panel and "<html" not in panel
    found = body(office.get(f"/console/cases/{duplicate.id}/merge-search?q={target.tracking_number}",
                            headers={"HX-Request": "true"}))
    assert f'data-merge-pick="{target.id}"' in found and "<html" not in found
    assert "没有找到" in body(office.get(f"/console/cases/{duplicate.id}/merge-search?q=不存在的内容"))
    response = office.post(f"/console/cases/{duplicate.id}/merge", {"into_case_id": target.id})
    assert f"已合并至 {target.tracking_number}" in body(office.get(response.headers["Location"]))
    other_street = world.create_case(reporter="朱伟", description="岳王路路灯不亮")
    third = accepted(world, runtime, description="井盖破损")
    refused = office.post(f"/console/cases/{third.id}/merge", {"into_case_id": other_street.id})
    assert refused.status_code == 404 and world.reload(third).state == "accepted"


def test_bulk_route_and_recategorise(world, runtime, staff):
    picked = [accepted(world, runtime, description=f"第{n}处问题") for n in range(3)]
    office = staff(OFFICE)
    office.get("/console/cases/queue")
    greenery = world.category("greenery")
    response = office.post("/console/cases/bulk", {"case_ids": [c.id for c in picked], "action": "recategorize",
                                                   "category_id": greenery.id, "unit_id": world.unit(PUBLIC).id})
    assert f"已将 3 件反映调整分类为{greenery.name}" in body(office.get(response.headers["Location"]))
    response = office.post("/console/cases/bulk", {"case_ids": [c.id for c in picked[:2]], "action": "route",
                                                   "unit_id": world.unit(PUBLIC).id, "category_id": greenery.id})
    assert f"已将 2 件反映流转至{PUBLIC}" in body(office.get(response.headers["Location"]))
    assert [world.reload(c).state for c in picked] == ["routed", "routed", "accepted"]


def test_a_unit_head_assigns_and_a_unit_asks_for_another_route(world, runtime, staff):
    colleague = world.person("王小明")  # the demo's second account of the unit; its first is the head
    case = routed(world, runtime, unit=ENFORCEMENT, description="楼顶违建搭建阳光房")
    member = staff("hubin-enforcement2")
    assert "指派经办人" not in body(member.get(f"/console/cases/{case.id}"))
    refused = member.post(f"/console/cases/{case.id}/assign", {"assignee_id": colleague.id})
    assert refused.status_code == 200 and world.reload(case).assignee_id is None  # no staff to choose from
    assert "请从列表中选择" in body(refused)
    head = staff("hubin-enforcement")
    assert "指派经办人" in body(head.get(f"/console/cases/{case.id}"))
    response = head.post(f"/console/cases/{case.id}/assign", {"assignee_id": colleague.id})
    assert "已指派给王小明" in body(head.get(response.headers["Location"]))
    assert world.reload(case).assignee_id == colleague.id
    assert ("case_assigned", colleague.id) in {(m.kind, m.recipient_id) for m in rows(runtime, OutboxMessage)}
    assert "共 0 件" in body(head.get("/console/unit/mine"))
    mine = body(member.get("/console/unit/mine"))
    assert "共 1 件" in mine and case.tracking_number in mine
    response = head.post(f"/console/cases/{case.id}/reroute", {"reason": "属于执法队职责"})
    assert "已申请街道重新流转" in body(head.get(response.headers["Location"]))
    queue = body(staff(OFFICE).get("/console/cases/queue"))
    assert case.tracking_number in queue
    assert ("case_reroute_requested", world.office("hubin").id) in \
        {(m.kind, m.recipient_id) for m in rows(runtime, OutboxMessage)}


def test_reply_templates_are_kept_by_the_district_and_offered_on_case_pages(world, runtime, staff):
    district = staff("district")
    assert district.get("/console/replies").status_code == 200
    refused = district.post("/console/replies", {"title": "", "body": "x", "category_id": 0})
    assert refused.status_code == 200 and "请填写标题" in body(refused)
    saved = district.post("/console/replies", {"title": "已补种", "body": "已安排绿化养护单位补种，感谢监督。",
                                               "category_id": world.category("greenery").id})
    assert "已保存常用回复“已补种”" in body(district.get(saved.headers["Location"]))
    district.post("/console/replies", {"title": "感谢", "body": "感谢您的反映。", "category_id": 0})
    district.post("/console/replies", {"title": "查处", "body": "已查处。", "category_id": world.category("market").id})
    assert staff(OFFICE).get("/console/replies").status_code == 404
    case = routed(world, runtime)
    page = body(staff("hubin-public").get(f"/console/cases/{case.id}"))
    assert 'data-reply-text="已安排绿化养护单位补种，感谢监督。"' in page and "感谢您的反映。" in page
    assert "已查处。" not in page  # another category's reply

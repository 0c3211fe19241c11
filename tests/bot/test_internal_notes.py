"""Staff-only steps of the console (internal notes, assignment, re-route requests) never reach the resident."""
from __future__ import annotations

from server.cases import service as cases
from server.cases import teamwork

STORY = "祖庙巷51号小区绿化枯萎需要补种"


def test_the_residents_query_shows_no_internal_note(bot, resident, world, uow):
    resident.say(STORY)
    [case] = bot.cases()
    cases.accept_case(uow, actor_id=world.person("严民强").id, case_id=case.id)
    teamwork.add_note(uow, actor_id=world.office("hubin").id, case_id=case.id, text="反映人情绪激动，注意沟通方式")
    cases.route_case(uow, actor_id=world.office("hubin").id, case_id=case.id,
                     unit_id=world.unit("湖滨街道公共管理办公室").id)
    teamwork.request_reroute(uow, actor_id=world.unit_staff("湖滨街道公共管理办公室").id, case_id=case.id,
                             reason="不属于本单位职责")
    reply = resident.say(f"查询 {case.tracking_number}")
    assert "流转承办单位" in reply and "代表接收" in reply
    assert "情绪激动" not in reply and "内部备注" not in reply and "不属于本单位职责" not in reply

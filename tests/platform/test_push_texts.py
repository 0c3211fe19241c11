"""Every push kind has a Chinese text and a title, and shows what its payload says."""
from __future__ import annotations

import re

import pytest

from server.pushes.texts import TEXTS, TITLES, push_text

PAYLOADS = {
    "case_submitted": {"tracking_number": "MY-20261128-0001", "description": "祖庙巷51号小区绿化枯萎"},
    "case_accepted": {"tracking_number": "MY-20261128-0001"},
    "case_auto_forwarded": {"tracking_number": "MY-20261128-0001"},
    "case_routed": {"tracking_number": "MY-20261128-0001", "unit_name": "湖滨街道公共管理办公室"},
    "case_resolved": {"tracking_number": "MY-20261128-0001", "feedback": "绿化补种完成"},
    "case_reopened": {"tracking_number": "MY-20261128-0001"},
    "case_rejected": {"tracking_number": "MY-20261128-0001", "reason": "不属于受理范围"},
    "case_merged": {"tracking_number": "MY-20261128-0001", "into": "MY-20261127-0042"},
    "case_escalated": {"tracking_number": "MY-20261128-0001", "reason": "超过72小时未办结"},
    "case_reminder": {"tracking_number": "MY-20261128-0001", "hours_left": 24, "threshold": 48},
    "case_overdue": {"tracking_number": "MY-20261128-0001"},
    "case_assisting": {"tracking_number": "MY-20261128-0001", "lead_name": "湖滨街道公共管理办公室"},
    "case_assigned": {"tracking_number": "MY-20261128-0001"},
    "case_reroute_requested": {"tracking_number": "MY-20261128-0001", "unit_name": "湖滨街道市场监管所",
                               "reason": "不属于本单位职责"},
    "topic_opened": {"topic_title": "老旧小区加装电梯", "topic_id": 7},
    "topic_closing": {"topic_title": "老旧小区加装电梯", "topic_id": 7},
    "topic_concluded": {"topic_title": "老旧小区加装电梯", "topic_id": 7},
    "opinion_replied": {"topic_title": "老旧小区加装电梯", "reply": "感谢建议，已纳入方案"},
    "inbound_reply": {"text": "已收到您的反映，编号 MY-20261128-0001。"},
    "report_accepted": {"tracking_number": "MY-20261128-0001", "deputy_name": "严民强"},
    "report_routed": {"tracking_number": "MY-20261128-0001", "unit_name": "湖滨街道公共管理办公室",
                      "deadline": "12月01日09:00"},
    "report_reopened": {"tracking_number": "MY-20261128-0001", "unit_name": "湖滨街道公共管理办公室"},
    "ranking_published": {"month": "2026年11月", "subject": "湖滨街道", "rank": 2, "change": "较上月上升1位",
                          "score": "92.5"},
    "linkage_issued": {"task_title": "无障碍设施提升改造专项视察", "kind_label": "任务交办", "due_date": "12月20日"},
    "linkage_invited": {"activity_label": "视察", "activity_title": "无障碍设施专项视察", "starts_at": "12月8日 09:30",
                        "place": "采荷街道办事处", "invitation_id": 12},
    "linkage_submitted": {"street_name": "采荷街道", "task_title": "无障碍设施提升改造专项视察", "suggestions": 52},
    "linkage_returned": {"task_title": "无障碍设施提升改造专项视察", "comment": "请补充整改建议的责任单位"},
    "linkage_accepted": {"task_title": "无障碍设施提升改造专项视察"},
    "linkage_reminder": {"task_title": "无障碍设施提升改造专项视察", "due_date": "12月20日", "days_left": 3},
    "linkage_overdue": {"street_name": "采荷街道", "task_title": "无障碍设施提升改造专项视察", "due_date": "12月20日"},
    "reception_published": {"when": "12月5日 09:00-11:30", "station": "湖滨街道代表联络站", "address": "东坡路8号",
                            "deputies": "严民强、周立群", "topic": "老旧小区加装电梯"},
    "reception_duty": {"when": "12月5日 09:00-11:30", "station": "湖滨街道代表联络站", "address": "东坡路8号"},
    "reception_reminder": {"when": "12月5日 09:00-11:30", "station": "湖滨街道代表联络站", "address": "东坡路8号",
                           "who": "您预约的时段是 09:30"},
    "reception_cancelled": {"when": "12月5日 09:00-11:30", "station": "湖滨街道代表联络站", "address": "东坡路8号",
                            "reason": "代表参加区人代会"},
}
CASE_ENGINE_KINDS = {"case_submitted", "case_accepted", "case_auto_forwarded", "case_routed", "case_resolved",
                     "case_reopened", "case_rejected", "case_merged", "case_escalated"}


def test_every_kind_is_covered():
    from server.pushes.states import OutboxKind

    assert set(TEXTS) == set(PAYLOADS) == set(TITLES) == {kind.value for kind in OutboxKind} - {"fetch_media"}
    assert set(TEXTS) >= CASE_ENGINE_KINDS


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_text_is_chinese_and_carries_the_payload(kind):
    text = push_text(kind, PAYLOADS[kind])
    assert re.search(r"[\u4e00-\u9fff]", text)
    for value in PAYLOADS[kind].values():
        if kind.startswith("topic") and value == 7 and kind != "topic_opened":
            continue
        assert str(value) in text


def test_specific_wording():
    assert push_text("case_submitted", PAYLOADS["case_submitted"]).startswith("新反映请接收")
    assert "满意/基本满意/不满意" in push_text("case_resolved", PAYLOADS["case_resolved"]).replace(" ", "")
    assert "还剩 24 小时" in push_text("case_reminder", PAYLOADS["case_reminder"])
    assert push_text("ranking_published", PAYLOADS["ranking_published"]).startswith(
        "2026年11月赛马晾晒：湖滨街道排名第2，较上月上升1位")


def test_a_missing_field_reads_as_a_placeholder():
    assert "（编号缺失）" in push_text("case_accepted", {})
    with pytest.raises(KeyError):
        push_text("fetch_media", {})

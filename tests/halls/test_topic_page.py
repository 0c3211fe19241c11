"""The public page the QR link opens: Chinese, read-only, never a draft, never a hidden opinion."""
from __future__ import annotations

from server.halls import opinions


def test_the_page_shows_the_topic_and_its_visible_opinions(hall, client):
    topic = hall.open_now()
    shown = opinions.post_opinion(hall.uow, author_id=hall.id("张秀英"), topic_id=topic.id, text="建议在景芳路口加装隔离栏")
    hidden = opinions.post_opinion(hall.uow, author_id=hall.id("朱伟"), topic_id=topic.id, text="广告：代办驾照")
    opinions.hide_opinion(hall.uow, actor_id=hall.id("徐芳"), opinion_id=hidden.id, reason="与议题无关的广告")
    opinions.support_opinion(hall.uow, person_id=hall.id("杨帆"), opinion_id=shown.id)
    page = client.get(f"/halls/{topic.id}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    assert "凤起东路行人过街安全" in body and "凯旋街道" in body and "征集中" in body
    assert "建议在景芳路口加装隔离栏" in body and "议事会成员" in body and "附议 1" in body
    assert "代办驾照" not in body and "与议题无关" not in body


def test_a_draft_or_unknown_topic_is_not_found(hall, client):
    draft = hall.create()
    for topic_id in (draft.id, 987654):
        page = client.get(f"/halls/{topic_id}")
        assert page.status_code == 404 and "找不到该议题" in page.get_data(as_text=True)

"""The words people see from deputy work: chat answers, timeline labels, the PDF's headings."""
from __future__ import annotations

FIND_DEPUTY_WORDS = frozenset({"找代表", "我的代表", "联系代表", "代表接待", "接待日"})
SUBSCRIBE_WORDS = frozenset({"订阅接待日", "接待提醒"})
UNSUBSCRIBE_WORDS = frozenset({"取消接待提醒", "退订接待日"})

NO_STREET = "请先告诉我们您住在哪个街道：发送一条反映时按提示选择街道，或在小程序“我的”里设置。"
NO_DEPUTIES = "{street}暂未登记人大代表信息，请联系街道人大工委。"
DEPUTIES_HEADER = "您所在的{street}的人大代表："
DEPUTY_LINE = "· {name}（{title}）{station}"
NEXT_RECEPTION = ("最近的代表接待日：{when}，{station}（{address}），值班代表：{deputies}。"
                  "\n可在小程序“找代表”中预约时段或提前留言。")
NO_RECEPTION = "近期暂无代表接待日安排，联络站开放时间内也可前往：{stations}。"
SUBSCRIBE_HINT = "\n回复“接待提醒”，有新的接待日时我们会通知您。"
SUBSCRIBED = "已为您订阅{street}的代表接待日提醒。回复“取消接待提醒”可退订。"
UNSUBSCRIBED = "已取消{street}的代表接待日提醒。"
NOT_SUBSCRIBED = "您没有订阅接待日提醒。"

EVENT_LABELS = {
    "station_created": "新建联络站", "station_updated": "修改联络站信息",
    "profile_updated": "更新代表资料",
    "reception_scheduled": "安排接待日", "reception_cancelled": "取消接待日", "reception_held": "完成接待",
    "reception_reminded": "发送接待提醒",
    "booking_made": "群众预约", "booking_changed": "群众修改预约", "booking_cancelled": "群众取消预约",
    "visit_recorded": "登记来访群众", "matter_raised": "记录群众诉求", "matter_to_case": "诉求转为民情件",
    "entry_added": "新增履职记录", "weights_updated": "修改履职积分权重",
}

PDF_TITLE = "{name} {year}年度履职档案"
PDF_SUBTITLE = "{title} · {street}{station}"
PDF_FIGURES = "履职数据"
PDF_SCORE = "履职积分：{score}"
PDF_RECEPTIONS = "进站接待"
PDF_ENTRIES = "自主履职记录"
PDF_NONE = "（无）"
PDF_FOOTER = "由民意平台根据系统记录生成 · {generated}"

"""What the bot says: short, friendly Simplified Chinese, kept in one place."""
from __future__ import annotations

HELP = (
    "您好，这里是民意直通车。您可以：\n"
    "1. 直接发送文字描述问题（可再发照片、位置），我们将在72小时内办理答复；\n"
    "2. 回复“查询”看我的反映进度，“查询 编号”看办理过程；\n"
    "3. 办结后回复“满意”“基本满意”或“不满意”评价；\n"
    "4. 回复“议题”参与居民议事，“退出”离开议事厅；\n"
    "5. 回复“找代表”查看您的人大代表和最近的代表接待日。"
)
WELCOME = "欢迎关注民意直通车！\n" + HELP
SMALL_TALK = "您好！有问题需要反映，请直接用文字描述，例如：小区路灯坏了一周。回复“帮助”查看更多。"

# Help by role: what each kind of staff can type (residents get HELP).
STAFF_HELP = {
    "deputy": ("人大代表可用指令：\n"
               "待接收 —— 本辖区等待接收的反映（按剩余时间排序，回复序号即接收）\n"
               "接收 编号 —— 接收反映并转交街道人大办\n"
               "转交 编号 说明 —— 给街道人大办补充说明\n"
               "邀请 —— 视察、调研等活动邀请；参加 序号 / 不参加 序号 —— 答复邀请\n"
               "查询 编号 —— 查看办理过程"),
    "street_office": ("街道人大办可用指令：\n"
                      "待研判 —— 本街道待研判流转的反映（回复序号查看）\n"
                      "流转 编号 单位名或序号 —— 流转给承办单位（不写单位则列出可选单位，建议单位在前）\n"
                      "退回 编号 原因 —— 不予受理，原因会告知居民\n"
                      "查询 编号 —— 查看办理过程"),
    "handling_unit": ("承办单位可用指令：\n"
                      "待办 —— 流转给本单位的反映（回复序号查看）\n"
                      "办结 编号 办理结果 —— 反馈办理结果，居民将收到评价邀请\n"
                      "查询 编号 —— 查看办理过程"),
    "district_committee": ("区人大常委会可用指令：\n"
                           "待办 —— 提级办理到区里的反映（回复序号查看）\n"
                           "流转 编号 单位名或序号 —— 重新流转给承办单位\n"
                           "查询 编号 —— 查看办理过程"),
}
STAFF_REPORT_HINT = "\n如需以居民身份反映问题，请以“反映”开头，例如：反映 小区路灯坏了。"
ROLE_ONLY = "“{word}”仅供{who}使用。回复“帮助”查看您可用的指令。"
NO_SUCH_CHOICE = "没有第 {number} 项。请回复列表中的序号，或回复“帮助”查看可用指令。"

QUEUE_HEADER = "{word}（{count}件，剩余时间少的在前）："
QUEUE_EMPTY = "目前没有{word}的反映。"
QUEUE_HINT = {
    "accept": "回复序号接收该反映，或“接收 编号”。",
    "triage": "回复序号查看并流转，或“流转 编号 单位名”。",
    "todo": "回复序号查看，办结后回复“办结 编号 办理结果”。",
}
NEXT_STEP = {
    "deputy": "回复“接收 {number}”接收，或“转交 {number} 说明”。",
    "street_office": "回复“流转 {number}”选择承办单位，或“退回 {number} 原因”。",
    "handling_unit": "办结后回复“办结 {number} 办理结果”，再发照片可补充到办理结果。",
    "district_committee": "回复“流转 {number}”选择承办单位。",
}
FORWARD_USAGE = "请回复“转交 编号 说明”，例如：转交 MY-20261128-0001 现场已核实，请尽快安排。"
FORWARDED = "已把您的说明转交街道人大办（反映 {number}）。"
ROUTE_USAGE = "请回复“流转 编号 单位名或序号”，例如：流转 MY-20261128-0001 1。"
ROUTE_CHOOSE = "请选择反映 {number} 的承办单位，回复序号即可："
UNIT_NOT_FOUND = "没有找到唯一匹配“{words}”的承办单位。"
ROUTED = "反映 {number} 已流转至{unit}，72小时内办结。"
REJECT_USAGE = "请回复“退回 编号 原因”，原因会告知居民，例如：退回 MY-20261128-0001 不属于本街道管辖。"
REJECTED = "反映 {number} 已退回（不予受理），原因已告知居民。"
RESOLVE_USAGE = "请回复“办结 编号 办理结果”，例如：办结 MY-20261128-0001 已补种绿植。"
RESOLVED = "反映 {number} 已办结，居民将收到评价邀请。10分钟内发送的照片会补充到办理结果。"
THANKS = "不客气，感谢您对社区工作的支持！有新的问题随时发给我们。"
REPORT_HINT = "请直接发送文字描述您要反映的问题，可再补充照片和位置。"

CASE_RECEIVED = (
    "已收到您的反映，编号 {number}。我们将在72小时内办理并答复您。"
    "10分钟内发送的照片、位置会补充到这条反映。回复“查询”可查看进度。"
)
CASE_RECEIVED_WITH_MEDIA = "已收到您的反映，编号 {number}（已附上您刚才发送的{media}）。我们将在72小时内办理并答复您。回复“查询”可查看进度。"
ALREADY_REPORTED = "您已反映过 {number}，已补充到该反映。回复“查询 {number}”可查看进度。"
PHOTO_JOINED = "照片已补充到反映 {number}。"
LOCATION_JOINED = "位置已补充到反映 {number}：{label}"
VOICE_JOINED = "语音内容已补充到反映 {number}。"
MEDIA_WAITING = "已收到{media}。请用文字描述一下问题，我们会把{media}一并登记。"
VOICE_UNRECOGNISED = "暂时无法识别语音内容，请用文字描述一下问题。"
UNSUPPORTED = "暂不支持这类消息。" + REPORT_HINT + "回复“帮助”查看更多。"
TOO_LONG = "内容太长了，请控制在 {limit} 字以内后再发送。"

ASK_STREET = "请问您住在哪个街道？回复序号或街道名称即可：\n{choices}"
STREET_SET = "已为您设置所在街道：{street}。"

NO_OPEN_CASES = "您目前没有办理中的反映。" + REPORT_HINT
OPEN_CASES_HEADER = "您的反映（回复“查询 编号”看办理过程）："
CASE_NOT_FOUND = "没有找到编号为 {number} 的反映，或您无权查看。"
NOTHING_TO_RATE = "您目前没有待评价的反映。办结后我们会通知您评价。"
RATED = "感谢评价！反映 {number} 已评为“{label}”，本件已办结。"
REOPENED = "很抱歉没有让您满意，反映 {number} 已退回重新办理，我们会尽快给您答复。请简单说明不满意的原因，我们会转给承办单位。"
REASON_NOTED = "已把您说明的原因补充到反映 {number}，承办单位重新办理时会看到。"
REASON_PREFIX = "不满意原因："
CLOSED_CASES_HEADER = "最近办结的反映："

NO_TOPICS = "目前没有正在征集意见的议题，请留意社区通知。"
TOPICS_HEADER = "正在征集意见的议题（回复序号进入议事厅）："
TOPIC_ENTERED = "您已进入议事厅：{title}\n直接发送文字即可发表意见，回复“退出”离开。"
OPINION_POSTED = "您的意见已发表在议题“{title}”，感谢参与！回复“退出”离开议事厅。"
LEFT_HALL = "您已离开议事厅“{title}”。"
NOT_IN_HALL = "您当前不在议事厅。回复“议题”查看正在征集意见的议题。"

BOUND = "绑定成功！{name}，您好。有需要您办理的反映时会通知您。\n{help}"
ACCEPTED = "您已接收反映 {number}，已转交街道人大办研判流转。"
ACCEPT_WHICH = "请回复“接收 编号”，例如：接收 MY-20261128-0001。"

JOURNALLED = "已收到您的反映，系统稍忙，编号稍后发给您。"

FEEDBACK_PHOTO_JOINED = "照片已补充到反映 {number} 的办理结果。"
UNIT_PHOTO_HINT = ("已收到照片，但没有找到您10分钟内办结的反映，照片未登记。"
                   "请先回复“办结 编号 办理结果”，再在10分钟内发送现场照片。")

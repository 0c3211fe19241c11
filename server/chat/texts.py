"""What the bot says: short, friendly Simplified Chinese, kept in one place."""
from __future__ import annotations

HELP = (
    "您好，这里是民意直通车。您可以：\n"
    "1. 直接发送文字描述问题（可再发照片、位置），我们将在72小时内办理答复；\n"
    "2. 回复“查询”看我的反映进度，“查询 编号”看办理过程；\n"
    "3. 办结后回复“满意”“基本满意”或“不满意”评价；\n"
    "4. 回复“议题”参与居民议事，“退出”离开议事厅。"
)
WELCOME = "欢迎关注民意直通车！\n" + HELP
SMALL_TALK = "您好！有问题需要反映，请直接用文字描述（不少于5个字），例如：小区路灯坏了一周。回复“帮助”查看更多。"
THANKS = "不客气，感谢您对社区工作的支持！有新的问题随时发给我们。"
REPORT_HINT = "请直接发送文字描述您要反映的问题，可再补充照片和位置。"

CASE_RECEIVED = (
    "已收到您的反映，编号 {number}。我们将在72小时内办理并答复您。"
    "10分钟内发送的照片、位置会补充到这条反映。回复“查询”可查看进度。"
)
CASE_RECEIVED_WITH_MEDIA = "已收到您的反映，编号 {number}（已附上您刚才发送的{media}）。我们将在72小时内办理并答复您。回复“查询”可查看进度。"
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
REOPENED = "很抱歉没有让您满意，反映 {number} 已退回重新办理，我们会尽快给您答复。"

NO_TOPICS = "目前没有正在征集意见的议题，请留意社区通知。"
TOPICS_HEADER = "正在征集意见的议题（回复“议题 序号”进入议事厅）："
TOPIC_ENTERED = "您已进入议事厅：{title}\n直接发送文字即可发表意见，回复“退出”离开。"
OPINION_POSTED = "您的意见已发表在议题“{title}”，感谢参与！回复“退出”离开议事厅。"
LEFT_HALL = "您已离开议事厅“{title}”。"
NOT_IN_HALL = "您当前不在议事厅。回复“议题”查看正在征集意见的议题。"

BOUND = "绑定成功！{name}，您好。辖区有新反映时会通知您，回复“接收 编号”即可接收。"
ACCEPTED = "您已接收反映 {number}，已转交街道人大办研判流转。"
ACCEPT_WHICH = "请回复“接收 编号”，例如：接收 MY-20261128-0001。"
DEPUTIES_ONLY = "只有绑定的人大代表可以接收反映。"

JOURNALLED = "已收到您的反映，系统稍忙，编号稍后发给您。"

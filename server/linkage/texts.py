"""What deputies read in chat about linkage invitations (参加 / 不参加 / 邀请)."""
from __future__ import annotations

INVITATIONS_HEADER = "您的活动邀请："
INVITATIONS_EMPTY = "目前没有待参加的活动邀请。"
INVITATION_LINE = "{id}. {starts}【{label}】{title}（{place}）—— {answer}"
INVITATIONS_HINT = "回复“参加 序号”或“不参加 序号”答复，例如：参加 {example}。"
ANSWER_USAGE = "请回复“参加 邀请序号”或“不参加 邀请序号”，回复“邀请”查看您的活动邀请。"
ANSWERED = "已答复：{answer}{label}“{title}”（{starts}，{place}）。"

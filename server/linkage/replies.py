"""What a deputy's chat words about invitations do (参加 N / 不参加 N / 邀请): the chat calls these, so the
rules stay the ones the API and the console use (`work.answer_invitation`)."""
from __future__ import annotations

from server.core.errors import ValidationError
from server.core.uow import UnitOfWork
from server.linkage import queries, texts
from server.linkage.work import answer_invitation


def invitations_text(uow: UnitOfWork, *, deputy_id: int) -> str:
    """The deputy's coming invitations, each with the number to answer it by."""
    items = queries.my_invitations(uow, deputy_id=deputy_id, upcoming_only=True, limit=9)
    if not items:
        return texts.INVITATIONS_EMPTY
    lines = [texts.INVITATION_LINE.format(id=i["id"], starts=i["starts_label"], label=i["activity_label"],
                                          title=i["title"], place=i["place"], answer=i["answer_label"]) for i in items]
    return "\n".join([texts.INVITATIONS_HEADER, *lines, texts.INVITATIONS_HINT.format(example=items[-1]["id"])])


def answer_in_chat(uow: UnitOfWork, *, deputy_id: int, attend: bool, rest: str) -> str:
    """`参加 12` / `不参加 12`; without a number, the one invitation still open to an answer."""
    number = "".join(ch for ch in rest if ch.isdigit())
    if number:
        invitation_id = int(number[:9])
    else:
        open_ones = [i for i in queries.my_invitations(uow, deputy_id=deputy_id, upcoming_only=True, limit=9)
                     if i["can_answer"]]
        if len(open_ones) != 1:
            raise ValidationError(texts.ANSWER_USAGE)
        invitation_id = open_ones[0]["id"]
    answer_invitation(uow, actor_id=deputy_id, invitation_id=invitation_id, attend=attend)
    item = next(i for i in queries.my_invitations(uow, deputy_id=deputy_id, limit=50) if i["id"] == invitation_id)
    return texts.ANSWERED.format(answer="参加" if attend else "不参加", label=item["activity_label"], title=item["title"],
                                 starts=item["starts_label"], place=item["place"])

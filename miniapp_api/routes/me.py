"""GET /me: who I am, my role and scope; GET /me/duty-record for deputies; GET /me/data (my copy of my
data) and DELETE /me or POST /me/erasure (forget me)."""
from __future__ import annotations

from miniapp_api.auth import RESIDENTS, STAFF, current_principal, roles
from miniapp_api.blueprint import MinyiBlueprint
from miniapp_api.errors import errors
from miniapp_api.schemas.auth import BindCodeOut, MeOut, ProfileIn
from miniapp_api.schemas.cases import DutyRecord
from miniapp_api.schemas.privacy import ErasureOut, MyDataOut
from miniapp_api.views import answer
from server.cases import queries as case_queries
from server.people import profiles
from server.people import service as people
from server.people.queries import describe_person
from server.people.rules import Role
from server.privacy import queries as privacy_queries
from server.privacy import service as privacy
from server.web.runtime import current_runtime

bp = MinyiBlueprint("api_me", __name__, tag="me")


@bp.get("/me", summary="当前用户", responses={200: MeOut})
def me():
    return answer(MeOut, describe_person(current_runtime().uow(), current_principal().person.id))


@bp.patch("/me", summary="修改我的资料（姓名、电话；居民可改街道和社区）", responses={200: MeOut, **errors(403)})
def update_me(body: ProfileIn):
    rt = current_runtime()
    given = body.model_dump(exclude_unset=True)
    person = profiles.update_profile(rt.uow(), person_id=current_principal().person.id, **given)
    return answer(MeOut, describe_person(rt.uow(), person.id))


@bp.get("/me/duty-record", summary="代表履职记录（接收、转交、办结、满意度）", responses={200: DutyRecord})
@roles(Role.deputy)
def duty_record():
    return answer(DutyRecord, case_queries.duty_record(current_runtime().uow(), actor_id=current_principal().person.id))


@bp.post("/me/bind-code", summary="生成我的微信绑定码（代表和工作人员，一次有效）",
         responses={201: BindCodeOut, **errors(403)})
@roles(STAFF)
def create_my_bind_code():
    code = people.create_bind_code(current_runtime().uow(), person_id=current_principal().person.id)
    return answer(BindCodeOut, {"code": code.code, "scene": f"bind:{code.code}", "expires_at": code.expires_at}, 201)


@bp.get("/me/data", summary="导出我的个人信息（资料、反映、议事意见、谁查看过我的联系方式）", responses={200: MyDataOut})
def my_data():
    return answer(MyDataOut, privacy_queries.export_person_data(current_runtime().uow(),
                                                                person_id=current_principal().person.id))


def _erase():
    result = privacy.request_erasure(current_runtime().uow(), person_id=current_principal().person.id)
    return answer(ErasureOut, result, 202 if result["completed_at"] is None else 200)


@bp.delete("/me", summary="注销并删除我的个人信息（未办结的反映办结后再删除）",
           responses={200: ErasureOut, 202: ErasureOut, **errors(403)})
@roles(RESIDENTS)
def erase_me():
    return _erase()


@bp.post("/me/erasure", summary="申请删除我的个人信息（同 DELETE /me）",
         responses={200: ErasureOut, 202: ErasureOut, **errors(403)})
@roles(RESIDENTS)
def request_my_erasure():
    return _erase()

"""Administrative actions of the district (区人大常委会), recorded for the audit log (pure Python)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.core.errors import PermissionDeniedError

ADMIN_ROLE = "district_committee"


@dataclass(frozen=True)
class StaffActor:
    """Who administers, as the audit log remembers them (the name as it was at the time)."""

    person_id: int
    name: str
    role: str

    def check_admin(self) -> None:
        if self.role != ADMIN_ROLE:
            raise PermissionDeniedError("只有区人大常委会工作人员可以进行系统管理")


class StaffAction(StrEnum):
    person_create = "person_create"
    person_edit = "person_edit"
    person_enable = "person_enable"
    person_disable = "person_disable"
    password_reset = "password_reset"
    bind_code = "bind_code"
    street_save = "street_save"
    community_save = "community_save"
    unit_save = "unit_save"
    category_save = "category_save"
    rule_save = "rule_save"
    rule_delete = "rule_delete"
    push_retry = "push_retry"


ACTION_LABELS = {
    StaffAction.person_create: "新建账号", StaffAction.person_edit: "修改账号",
    StaffAction.person_enable: "启用账号", StaffAction.person_disable: "停用账号",
    StaffAction.password_reset: "重置密码", StaffAction.bind_code: "生成微信绑定码",
    StaffAction.street_save: "保存街道", StaffAction.community_save: "保存社区",
    StaffAction.unit_save: "保存承办单位", StaffAction.category_save: "保存分类",
    StaffAction.rule_save: "保存流转规则", StaffAction.rule_delete: "删除流转规则",
    StaffAction.push_retry: "重发推送",
}

"""Words people see where personal data was erased."""

ERASED_TEXT = "（反映人个人信息已删除）"
ERASED_NAME = "已注销用户"

"""The four grassroots governance platforms (基层治理四平台) that handling units belong to."""
from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    governance = "governance"
    market = "market"
    enforcement = "enforcement"
    services = "services"


PLATFORM_LABELS = {
    Platform.governance: "综治工作",
    Platform.market: "市场监管",
    Platform.enforcement: "综合执法",
    Platform.services: "便民服务",
}

"""The district keeps the reference data: streets, communities, handling units and their platforms
(四平台), categories and routing rules. Each save is one transaction with its line in the audit log."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit.rules import StaffAction, StaffActor
from server.audit.service import record_staff_action
from server.core.errors import ConflictError, NotFoundError, ValidationError
from server.core.uow import UnitOfWork
from server.places.models import Category, Community, HandlingUnit, RoutingRule, Street
from server.places.rules import PLATFORM_LABELS, Platform

CODE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")


def _name(value: str, field: str = "name", limit: int = 64) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError("请填写名称", details={"field": field})
    if len(value) > limit:
        raise ValidationError(f"名称不能超过 {limit} 字", details={"field": field})
    return value


def _code(value: str) -> str:
    value = (value or "").strip().lower()
    if not CODE.fullmatch(value):
        raise ValidationError("编码为 2–32 位小写字母开头的字母、数字、横线或下划线", details={"field": "code"})
    return value


def _platform(value: str) -> Platform:
    if value not in Platform.__members__:
        raise ValidationError("请选择所属平台", details={"field": "platform"})
    return Platform(value)


def _unique(session: Session, model, column, value, own_id: int | None, field: str, message: str) -> None:
    found = session.scalar(select(model.id).where(column == value))
    if found is not None and found != own_id:
        raise ConflictError(message, details={"field": field})


def _row(session: Session, model, row_id: int | None, missing: str):
    if row_id is None:
        return model()
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(missing)
    return row


def _saved(session: Session, actor: StaffActor, action: StaffAction, row, label: str, uow: UnitOfWork,
           created: bool) -> None:
    if created:
        session.add(row)
    session.flush()
    record_staff_action(session, actor, action, uow.clock.now(), subject_type=row.__tablename__, subject_id=row.id,
                        subject_label=label, note="新建" if created else "修改")


def save_street(uow: UnitOfWork, *, actor: StaffActor, code: str, name: str, street_id: int | None = None) -> Street:
    actor.check_admin()
    with uow.transaction() as session:
        street = _row(session, Street, street_id, "找不到该街道")
        code, name = _code(code), _name(name)
        _unique(session, Street, Street.code, code, street_id, "code", "该编码已被使用")
        _unique(session, Street, Street.name, name, street_id, "name", "已有同名街道")
        street.code, street.name = code, name
        _saved(session, actor, StaffAction.street_save, street, f"街道 {name}", uow, street_id is None)
        return street


def save_community(uow: UnitOfWork, *, actor: StaffActor, street_id: int | None, name: str,
                   community_id: int | None = None) -> Community:
    actor.check_admin()
    with uow.transaction() as session:
        community = _row(session, Community, community_id, "找不到该社区")
        name = _name(name)
        street = session.get(Street, street_id) if street_id else None
        if street is None:
            raise ValidationError("请选择所属街道", details={"field": "street_id"})
        same = session.scalar(select(Community.id).where(Community.street_id == street.id, Community.name == name))
        if same is not None and same != community_id:
            raise ConflictError("该街道已有同名社区", details={"field": "name"})
        community.street_id, community.name = street.id, name
        _saved(session, actor, StaffAction.community_save, community, f"社区 {street.name}·{name}", uow,
               community_id is None)
        return community


def save_unit(uow: UnitOfWork, *, actor: StaffActor, name: str, platform: str, street_id: int | None = None,
              unit_id: int | None = None) -> HandlingUnit:
    """A handling unit of one of the four platforms; without a street it is a district-level unit."""
    actor.check_admin()
    with uow.transaction() as session:
        unit = _row(session, HandlingUnit, unit_id, "找不到该承办单位")
        name, platform_ = _name(name, limit=128), _platform(platform)
        if street_id is not None and session.get(Street, street_id) is None:
            raise ValidationError("街道不存在", details={"field": "street_id"})
        _unique(session, HandlingUnit, HandlingUnit.name, name, unit_id, "name", "已有同名承办单位")
        unit.name, unit.platform, unit.street_id = name, platform_, street_id
        _saved(session, actor, StaffAction.unit_save, unit, f"承办单位 {name}", uow, unit_id is None)
        return unit


def save_category(uow: UnitOfWork, *, actor: StaffActor, code: str, name: str, platform: str, keywords: str = "",
                  category_id: int | None = None) -> Category:
    """A category with its platform and the words that suggest it for a chat text (comma-separated)."""
    actor.check_admin()
    with uow.transaction() as session:
        category = _row(session, Category, category_id, "找不到该分类")
        code, name, platform_ = _code(code), _name(name), _platform(platform)
        words = [word.strip() for word in re.split(r"[,，、\s]+", keywords or "") if word.strip()]
        if len(",".join(words)) > 2000:
            raise ValidationError("关键词太多（不超过 2000 字）", details={"field": "keywords"})
        _unique(session, Category, Category.code, code, category_id, "code", "该编码已被使用")
        _unique(session, Category, Category.name, name, category_id, "name", "已有同名分类")
        category.code, category.name, category.platform, category.keywords = code, name, platform_, ",".join(words)
        _saved(session, actor, StaffAction.category_save, category, f"分类 {name}", uow, category_id is None)
        return category


def save_rule(uow: UnitOfWork, *, actor: StaffActor, category_id: int | None, unit_id: int | None,
              street_id: int | None = None) -> RoutingRule:
    """category (+ street, or any street) → the unit suggested first; saving again replaces the unit."""
    actor.check_admin()
    with uow.transaction() as session:
        category = session.get(Category, category_id) if category_id else None
        if category is None:
            raise ValidationError("请选择分类", details={"field": "category_id"})
        unit = session.get(HandlingUnit, unit_id) if unit_id else None
        if unit is None:
            raise ValidationError("请选择承办单位", details={"field": "unit_id"})
        street = session.get(Street, street_id) if street_id else None
        if street_id and street is None:
            raise ValidationError("街道不存在", details={"field": "street_id"})
        if street is not None and unit.street_id not in (None, street.id):
            raise ValidationError("该承办单位不属于所选街道", details={"field": "unit_id"})
        query = select(RoutingRule).where(RoutingRule.category_id == category.id)
        query = query.where(RoutingRule.street_id == street.id if street else RoutingRule.street_id.is_(None))
        rule = session.scalar(query.with_for_update())
        created = rule is None
        if created:
            rule = RoutingRule(category_id=category.id, street_id=street.id if street else None)
        rule.handling_unit_id = unit.id
        label = f"流转规则 {category.name}·{street.name if street else '全部街道'} → {unit.name}"
        _saved(session, actor, StaffAction.rule_save, rule, label, uow, created)
        return rule


def delete_rule(uow: UnitOfWork, *, actor: StaffActor, rule_id: int) -> None:
    actor.check_admin()
    with uow.transaction() as session:
        rule = session.get(RoutingRule, rule_id)
        if rule is None:
            raise NotFoundError("找不到该流转规则")
        category, unit = session.get(Category, rule.category_id), session.get(HandlingUnit, rule.handling_unit_id)
        street = session.get(Street, rule.street_id) if rule.street_id else None
        record_staff_action(session, actor, StaffAction.rule_delete, uow.clock.now(), subject_type="routing_rules",
                            subject_id=rule.id, subject_label=f"流转规则 {category.name}·"
                            f"{street.name if street else '全部街道'} → {unit.name}")
        session.delete(rule)


def reference_data(uow: UnitOfWork) -> dict[str, list[dict[str, Any]]]:
    """Everything the administration page lists: streets with communities, units, categories, rules."""
    with uow.transaction() as session:
        streets = {s.id: s for s in session.scalars(select(Street).order_by(Street.id))}
        units = {u.id: u for u in session.scalars(select(HandlingUnit).order_by(HandlingUnit.id))}
        categories = {c.id: c for c in session.scalars(select(Category).order_by(Category.id))}
        communities = list(session.scalars(select(Community).order_by(Community.street_id, Community.id)))
        rules = list(session.scalars(select(RoutingRule).order_by(RoutingRule.category_id, RoutingRule.street_id)))
        return {
            "streets": [{"id": s.id, "code": s.code, "name": s.name,
                         "communities": [{"id": c.id, "name": c.name} for c in communities if c.street_id == s.id]}
                        for s in streets.values()],
            "units": [{"id": u.id, "name": u.name, "platform": u.platform.value,
                       "platform_label": PLATFORM_LABELS[u.platform], "street_id": u.street_id,
                       "street": streets[u.street_id].name if u.street_id else "区级"} for u in units.values()],
            "categories": [{"id": c.id, "code": c.code, "name": c.name, "platform": c.platform.value,
                            "platform_label": PLATFORM_LABELS[c.platform], "keywords": c.keywords}
                           for c in categories.values()],
            "rules": [{"id": r.id, "category_id": r.category_id, "category": categories[r.category_id].name,
                       "street_id": r.street_id, "street": streets[r.street_id].name if r.street_id else "全部街道",
                       "unit_id": r.handling_unit_id, "unit": units[r.handling_unit_id].name} for r in rules],
            "platforms": [{"value": p.value, "label": label} for p, label in PLATFORM_LABELS.items()],
        }

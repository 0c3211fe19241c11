from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.column_types import enum_column
from server.core.db import Base
from server.places.rules import Platform


class Street(Base):
    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    communities: Mapped[list[Community]] = relationship(back_populates="street", order_by="Community.id")


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("street_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    street: Mapped[Street] = relationship(back_populates="communities")


class HandlingUnit(Base):
    """An office reached through one of the four platforms; street_id is None for district-level units."""

    __tablename__ = "handling_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    platform: Mapped[Platform] = mapped_column(enum_column(Platform))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[Platform] = mapped_column(enum_column(Platform))
    # Comma-separated words that suggest this category for a chat text; staff can correct it later.
    keywords: Mapped[str] = mapped_column(Text, default="")

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class RoutingRule(Base):
    """category + street -> the unit a street office routes to first; street_id None means any street."""

    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("category_id", "street_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    handling_unit_id: Mapped[int] = mapped_column(ForeignKey("handling_units.id"))

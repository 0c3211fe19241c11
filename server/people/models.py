from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.column_types import enum_column
from server.core.db import Base, UTCDateTime
from server.people.rules import Actor, Role


class Person(Base):
    """Anyone who uses Minyi; the role and the scope columns decide what they may see and do."""

    __tablename__ = "people"
    # Whom a case's push reaches (a street's deputies or office) without reading the street's residents.
    __table_args__ = (Index("ix_people_street_id_role", "street_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("handling_units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def as_actor(self) -> Actor:
        return Actor(person_id=self.id, role=self.role, street_id=self.street_id,
                     community_id=self.community_id, unit_id=self.handling_unit_id)


class WechatIdentity(Base):
    """One openid of one WeChat app (official account `mp` or mini-program `miniapp`): one human.

    `person_id` is that human as a resident (their own reports, ratings, opinions). A deputy or staff
    member who binds this WeChat with a one-time code is linked by `staff_person_id`: the same human acts
    in that role too, and nothing of their resident self moves.
    """

    __tablename__ = "wechat_identities"
    __table_args__ = (Index("ix_wechat_identities_app_openid", "app", "openid", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app: Mapped[str] = mapped_column(String(16))
    openid: Mapped[str] = mapped_column(String(64))
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    staff_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BindCode(Base):
    """A one-time code that binds a WeChat user to a deputy's or staff member's account."""

    __tablename__ = "bind_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiSession(Base):
    """One signed-in client (mini-program or console): the row access tokens point at.

    Revoking the row (logout, a disabled account, a reused refresh token) ends every token issued for
    it at once. Only the SHA-256 of the refresh token is kept; the WeChat session_key never leaves here.
    """

    __tablename__ = "api_sessions"
    __table_args__ = (Index("ix_api_sessions_person_id_revoked_at", "person_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    method: Mapped[str] = mapped_column(String(16))  # "wechat" | "password"
    refresh_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    wechat_openid: Mapped[str | None] = mapped_column(String(64))
    wechat_session_key: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class LoginThrottle(Base):
    """Failed sign-ins counted per key ("user:<name>" or "addr:<ip>"): the growing wait and the lock-out."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

from __future__ import annotations

from pydantic import Field

from miniapp_api.schemas.common import NONBLANK, DbId, In, Out, Ref, Timestamp


class WechatLoginIn(In):
    code: str = Field(min_length=1, max_length=128, description="the code from wx.login()")


class PasswordLoginIn(In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class RefreshIn(In):
    refresh_token: str = Field(min_length=1, max_length=256)


class MeOut(Out):
    id: int
    name: str
    role: str
    role_label: str
    phone: str | None
    street: Ref | None
    community: Ref | None
    handling_unit: Ref | None


class TokensOut(Out):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_at: Timestamp
    expires_in: int = Field(description="seconds until the access token expires")
    new_account: bool = False
    me: MeOut


class ProfileIn(In):
    """Only the keys given are changed; null clears the phone."""

    name: str | None = Field(None, min_length=1, max_length=32, pattern=NONBLANK)
    # The same rule as server.people.profiles.PHONE.
    phone: str | None = Field(None, max_length=20, pattern=r"^\+?[0-9][0-9 -]{4,19}$")
    street_id: DbId | None = None
    community_id: DbId | None = None


class BindCodeOut(Out):
    code: str = Field(description="one-time code: scan the `bind:<code>` QR in WeChat, or send 绑定 <code>")
    scene: str = Field(description="the QR scene that binds the WeChat user who scans it")
    expires_at: Timestamp

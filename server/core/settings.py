"""Settings read from the environment once, validated, and frozen."""
from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SECRET_KEY = "dev-insecure-change-me"
DEFAULT_WECHAT_TOKEN = "minyi-sandbox-token"
INSTANCE_DIR = Path.cwd() / "instance"


class ConfigError(Exception):
    """One clear line naming the variable that is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    env: Literal["development", "production", "testing"] = Field("development", alias="MINYI_ENV")
    instance_dir: Path = Field(INSTANCE_DIR, alias="MINYI_INSTANCE_DIR")
    database_url: str = Field("", alias="DATABASE_URL")
    redis_url: str | None = Field(None, alias="REDIS_URL")
    secret_key: str = Field(DEFAULT_SECRET_KEY, alias="MINYI_SECRET_KEY")
    public_url: str = Field("http://127.0.0.1:5000", alias="MINYI_PUBLIC_URL")
    wechat_token: str = Field(DEFAULT_WECHAT_TOKEN, alias="WECHAT_TOKEN")
    wechat_app_id: str = Field("", alias="WECHAT_APP_ID")
    wechat_app_secret: str = Field("", alias="WECHAT_APP_SECRET")
    sandbox_app_id: str = Field("wxsandbox0000000001", alias="MINYI_SANDBOX_APP_ID")
    sandbox: bool | None = Field(None, alias="MINYI_SANDBOX")
    wechat_encoding_aes_key: str | None = Field(None, alias="WECHAT_ENCODING_AES_KEY")
    wechat_previous_aes_key: str | None = Field(None, alias="WECHAT_PREVIOUS_ENCODING_AES_KEY")
    wechat_api_base: str = Field("", alias="WECHAT_API_BASE")
    miniapp_app_id: str = Field("", alias="MINIAPP_APP_ID")
    miniapp_app_secret: str = Field("", alias="MINIAPP_APP_SECRET")
    bot_rate_limit: str = Field("20/minute", alias="MINYI_BOT_RATE_LIMIT")
    wechat_timeout_seconds: float = Field(3.0, gt=0, le=30, alias="WECHAT_TIMEOUT_SECONDS")
    # The template every push is sent with: official account (template message), mini-program (subscribe).
    wechat_template_id: str = Field("minyi-notice", alias="WECHAT_TEMPLATE_ID")
    miniapp_template_id: str = Field("minyi-notice", alias="MINIAPP_TEMPLATE_ID")
    redis_prefix: str = Field("minyi", min_length=1, alias="MINYI_REDIS_PREFIX")
    reminder_hours: Annotated[tuple[int, ...], NoDecode] = Field((24, 48, 66), alias="MINYI_REMINDER_HOURS")
    # How long the webhook lets the database take a message (pool, connect and statements together;
    # PostgreSQL's statement and lock timeouts are set to it too) before it journals the message to
    # disk instead and answers at once: well inside WeChat's 5 seconds.
    bot_db_budget_seconds: float = Field(1.5, gt=0, le=4, alias="MINYI_BOT_DB_BUDGET_SECONDS")
    # How long a closed case keeps its reporter's personal fields before the privacy job erases them.
    retention_days: int = Field(365, ge=1, le=3650, alias="MINYI_RETENTION_DAYS")
    # Logs: "text" lines, or one JSON object per line for journald and a log shipper (request id in both).
    log_format: Literal["text", "json"] = Field("text", alias="MINYI_LOG_FORMAT")
    # /metrics answers localhost, and anyone presenting `Authorization: Bearer <this>` when it is set.
    metrics_token: str | None = Field(None, alias="MINYI_METRICS_TOKEN")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a database URL (e.g. postgresql+psycopg://user@host/db)") from exc
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite and postgresql are supported")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("wechat_api_base", "public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("wechat_encoding_aes_key", "wechat_previous_aes_key")
    @classmethod
    def _aes_key(cls, value: str | None) -> str | None:
        if not value:
            return None
        if len(value) != 43:
            raise ValueError("must be the 43-character EncodingAESKey from the WeChat console")
        try:
            base64.b64decode(value + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("is not base64") from exc
        return value

    @field_validator("bot_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError("must be a rate such as 20/minute or 20/minute;200/day") from exc
        return value

    @field_validator("reminder_hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = tuple(int(part) for part in value.split(",") if part.strip())
            except ValueError as exc:
                raise ValueError("must be comma-separated whole hours, e.g. 24,48,66") from exc
        if not value or any(not 0 < h < 72 for h in value):
            raise ValueError("hours must lie between 0 and 72")
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.env == "production" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError("MINYI_SECRET_KEY: production refuses the default secret key")
        # The sandbox accepts fault injection from anyone: production serves it only when asked to.
        if self.env == "production" and not self.wechat_configured and self.sandbox is not True:
            raise ValueError("WECHAT_APP_ID: production needs WECHAT_APP_ID and WECHAT_APP_SECRET "
                             "(or MINYI_SANDBOX=1 for a demo deployment)")
        if self.env == "production" and self.wechat_configured and self.wechat_token == DEFAULT_WECHAT_TOKEN:
            raise ValueError("WECHAT_TOKEN: production refuses the sandbox's default token")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_dir / 'minyi.sqlite3'}"

    @property
    def wechat_configured(self) -> bool:
        """True when real WeChat credentials are set; otherwise the local sandbox plays WeChat."""
        return bool(self.wechat_app_id and self.wechat_app_secret)

    @property
    def sandbox_enabled(self) -> bool:
        """The sandbox is served at /sandbox unless a real WeChat app is configured (MINYI_SANDBOX overrides)."""
        if self.sandbox is not None:
            return self.sandbox
        return not self.wechat_configured

    @property
    def effective_wechat_api_base(self) -> str:
        """Where wechatpy's clients send API calls: WECHAT_API_BASE, else the local sandbox, else WeChat."""
        if self.wechat_api_base:
            return self.wechat_api_base
        if self.sandbox_enabled:
            return f"{self.public_url}/sandbox/api"
        return "https://api.weixin.qq.com"


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Read the environment (and overrides keyed by variable name); raise ConfigError on a bad value."""
    try:
        return Settings(**(overrides or {}))
    except ValidationError as exc:
        error = exc.errors()[0]
        field = error["loc"][0] if error["loc"] else ""
        name = Settings.model_fields[field].alias if field in Settings.model_fields else str(field)
        message = str(error["msg"]).removeprefix("Value error, ")
        if message.startswith(f"{name}:") or not name:
            raise ConfigError(message) from None
        raise ConfigError(f"{name}: {message}") from None

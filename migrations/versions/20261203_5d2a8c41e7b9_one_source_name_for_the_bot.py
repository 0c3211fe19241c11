"""one source name for the bot: hall opinions sent by chat are 'wechat', like cases reported by chat

Cases reported through the WeChat bot were stored with source 'wechat', hall opinions posted through
the same bot with 'chat'. Both columns now take server.cases.states.Source, whose name for the bot
is 'wechat'. Columns keep their type (VARCHAR(16)); only the old opinion value is rewritten.

Revision ID: 5d2a8c41e7b9
Revises: 3b7c1d9e2f40
Create Date: 2026-12-03 16:40:00
"""
from alembic import op


revision = '5d2a8c41e7b9'
down_revision = '3b7c1d9e2f40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE opinions SET source = 'wechat' WHERE source = 'chat'")


def downgrade() -> None:
    # Before this revision no opinion was stored as 'wechat', so every one of them was 'chat'.
    op.execute("UPDATE opinions SET source = 'chat' WHERE source = 'wechat'")

"""The peer: WeRoBot 1.13.1's echo robot in its default configuration (SQLite session storage).

Runs in its own venv (bench/.peer-venv) under the same gunicorn settings as Minyi, with cwd set to a
scratch folder where WeRoBot keeps its default `werobot_session.sqlite3`.
"""
import os

import werobot

robot = werobot.WeRoBot(token=os.environ.get("WECHAT_TOKEN", "minyi-sandbox-token"))


@robot.text
def echo(message):
    return message.content


application = robot.wsgi

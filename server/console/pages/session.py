"""Sign in and sign out of the console."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from server.console.auth import current_principal, sign_in, sign_out
from server.console.blueprint import bp
from server.people import sessions
from server.people.queries import describe_person
from server.people.sessions import AuthenticationError
from server.people.throttle import TooManyAttemptsError
from server.web.runtime import current_runtime


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])


def _safe_next(target: str | None) -> str:
    # Only a path inside the console: never an open redirect to another site.
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            tokens = sessions.login_with_password(current_runtime().uow(), username=form.username.data,
                                                  password=form.password.data, address=request.remote_addr,
                                                  method="console")
        except TooManyAttemptsError as exc:
            form.password.errors.append(exc.message)
            status = 429
        except AuthenticationError as exc:
            # The form again with the reason next to the field (200, as for any form with errors).
            form.password.errors.append(exc.message)
        else:
            sign_in(tokens.session_id)
            flash(f"欢迎，{tokens.person.name}", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("console/login.html", form=form), status


@bp.post("/logout")
def logout():
    session_id = sign_out()
    if session_id is not None:
        sessions.revoke_session(current_runtime().uow(), session_id=int(session_id))
    flash("已退出登录", "success")
    return redirect(url_for("console.login"))


@bp.app_context_processor
def _console_context():
    from flask import g

    from server.console.menu import menu_for

    principal = g.get("console_principal")
    if principal is None:
        return {}
    return {"console_person": describe_person(current_runtime().uow(), principal.person.id),
            "console_menu": menu_for(principal.role)}


__all__ = ["current_principal"]

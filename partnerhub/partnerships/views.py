"""Partnerships: the dashboard, agencies, roster and stages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from partnerhub.extensions import database
from partnerhub.partnerships.models import Membership, Partnership

blueprint = Blueprint("partnerships", __name__)


@blueprint.route("/")
@login_required
def dashboard():
    """The partnerships I belong to, with their stage and what needs attention."""
    partnerships = database.session.scalars(
        select(Partnership)
        .join(Membership)
        .where(Membership.user_id == current_user.id, Membership.left_at.is_(None))
        .order_by(Partnership.name)
    ).all()
    return render_template("partnerships/dashboard.html", partnerships=partnerships)

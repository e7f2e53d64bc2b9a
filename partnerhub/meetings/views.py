"""Routes of the meetings module."""

from flask import Blueprint

blueprint = Blueprint("meetings", __name__)

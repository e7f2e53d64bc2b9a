"""Routes of the audit module."""

from flask import Blueprint

blueprint = Blueprint("audit", __name__)

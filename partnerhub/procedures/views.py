"""Routes of the procedures module."""

from flask import Blueprint

blueprint = Blueprint("procedures", __name__)

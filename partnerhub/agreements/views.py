"""Routes of the agreements module."""

from flask import Blueprint

blueprint = Blueprint("agreements", __name__)

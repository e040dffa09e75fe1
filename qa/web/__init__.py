"""The HTTP edge: app factory, JSON API, chat page and Slack endpoints."""

from .app import create_app

__all__ = ["create_app"]

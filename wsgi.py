"""WSGI entry point: ``gunicorn wsgi:app``."""

from uprest import create_app

app = create_app()

"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

from shared_lives import create_app

app = create_app()

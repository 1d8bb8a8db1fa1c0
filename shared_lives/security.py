"""Security headers on every response, and no caching of signed-in pages."""

from __future__ import annotations

from flask import Flask, request, session

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if not request.path.startswith(("/static/", "/assets/")):
            # The session says whether someone is signed in, without loading the
            # account: a page must get its headers even when the database is down.
            if session.get("_user_id"):
                h["Cache-Control"] = "no-store"
                h["Pragma"] = "no-cache"
            else:
                h.setdefault("Cache-Control", "no-cache")
        return response

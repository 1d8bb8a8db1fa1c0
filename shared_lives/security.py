"""Security headers on every response, and no caching of signed-in pages."""

from __future__ import annotations

from flask import Flask, render_template, request, session

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


#: Said on the 400 page when a request holds a character no person types.
CONTROL_CHARACTER_REASON = (
    "The request held a character that cannot be used here: a null character, or a line break in "
    "the web address. Go back, remove it, and try again."
)


def has_control_characters() -> bool:
    """A NUL anywhere in the path, the query string or a posted form (PostgreSQL cannot
    store or even compare one), or CR/LF in the path or query string (it would split a
    redirect's ``Location`` header, as ``?next=`` does at sign-in). Line breaks in posted
    text are kept: text areas hold them."""
    if any(c in request.path for c in "\x00\r\n"):
        return True
    for key, value in request.args.items(multi=True):
        if any(c in key or c in value for c in "\x00\r\n"):
            return True
    if request.method == "POST":
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return True
    return False


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_control_characters():
        if has_control_characters():
            return render_template("errors/400.html", reason=CONTROL_CHARACTER_REASON), 400
        return None

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

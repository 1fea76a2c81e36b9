"""The HTML the browser sees: the consent page and the error page.

The consent page names the application and lists the scopes it asks for. Its
form posts every authorize parameter back to `/v1/oauth/authorize` with
`decision=approve` or `decision=deny`; the POST checks them all again, so a
hand-edited form gains nothing. The optional "personal access token" field
signs in as the account that token belongs to; left empty, the account named
by `login_hint`, else the emulator's demo account, approves.

Every value is escaped, and the pages forbid framing (clickjacking).
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f3f5f9; color: #031b4e; margin: 0; }
main { max-width: 28rem; margin: 4rem auto; background: #fff; padding: 2rem;
       border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.3rem; } ul { padding-left: 1.2rem; } .note { color: #5b6987; font-size: .9rem; }
label { display: block; margin: 1rem 0 .3rem; font-size: .9rem; }
input[type=password] { width: 100%; box-sizing: border-box; padding: .4rem; }
.actions { display: flex; gap: 1rem; margin-top: 1.5rem; }
button { flex: 1; padding: .6rem; border-radius: 4px; border: 1px solid #0069ff; font-size: 1rem; cursor: pointer; }
button.approve { background: #0069ff; color: #fff; } button.deny { background: #fff; color: #0069ff; }
.error { color: #b3001b; }
"""


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def error_page(message: str, status: int = 400) -> HTMLResponse:
    """The page shown where redirecting would be unsafe; the wording is DigitalOcean's."""
    return _page(
        "An error has occurred",
        f"<h1>An error has occurred</h1><p class=error id=error>{escape(message)}</p>",
        status,
    )


def consent_page(
    *,
    app_name: str,
    scope_lines: list[str],
    fields: dict[str, str],
    account: str | None,
    problem: str | None = None,
) -> HTMLResponse:
    hidden = "".join(
        f'<input type=hidden name="{escape(name)}" value="{escape(value)}">'
        for name, value in fields.items()
    )
    scopes = "".join(f"<li>{escape(line)}</li>" for line in scope_lines)
    who = (
        f"<p class=note>Signed in as <b id=account>{escape(account)}</b>.</p>"
        if account
        else "<p class=note>Not signed in: the emulator's demo account approves "
        "unless you give a personal access token.</p>"
    )
    warning = f"<p class=error id=problem>{escape(problem)}</p>" if problem else ""
    body = (
        f"<h1><span id=app-name>{escape(app_name)}</span> wants to access your "
        "DigitalOcean account</h1>"
        f"{warning}<p>It asks for:</p><ul id=scopes>{scopes}</ul>{who}"
        f'<form method=post action="/v1/oauth/authorize">{hidden}'
        "<label for=login_token>Personal access token of the account to sign in as "
        "(optional)</label>"
        "<input type=password id=login_token name=login_token autocomplete=off>"
        "<div class=actions>"
        "<button class=deny type=submit name=decision value=deny>Deny</button>"
        "<button class=approve type=submit name=decision value=approve>Approve</button>"
        "</div></form>"
    )
    return _page(f"Authorize {app_name}", body, 200 if problem is None else 400)

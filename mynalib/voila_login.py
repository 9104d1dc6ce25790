"""The dashboards' token page in Japanese.

Voila 0.5 renders its login form with jupyter_server's own ``login.html`` (from jupyter_server's
template folder, not the Voila template path). The demo's ``voila.json`` names
:class:`JapaneseIdentityProvider` (``Voila.identity_provider_class``): the same password/token
provider as Voila's default, whose login handler renders ``login.html`` of mynalib's Voila template
(``mynalib/data/jupyter/voila/templates/mynalib/login.html``) — what the token is, where to find
it and what to do, in Japanese. Only the page differs: checking the token is jupyter_server's.

Imported by the Voila process only (it needs jupyter_server and Voila).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from jupyter_server.auth.identity import PasswordIdentityProvider
from voila.voila_identity_provider import VoilaLoginHandler

from .paths import package_data

#: the folder of mynalib's Voila template, where ``login.html`` is
TEMPLATE_DIR = package_data("jupyter", "voila", "templates", "mynalib")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True)


class JapaneseLoginHandler(VoilaLoginHandler):
    """Voila's login handler with mynalib's Japanese ``login.html``."""

    def get_template(self, name: str) -> Any:
        if name == "login.html":
            return _environment().get_template(name)
        return super().get_template(name)


class JapaneseIdentityProvider(PasswordIdentityProvider):
    """Voila's default identity provider, showing :class:`JapaneseLoginHandler`'s page."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["login_handler_class"] = JapaneseLoginHandler  # Voila passes its own
        super().__init__(**kwargs)

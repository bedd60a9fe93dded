"""mkdocs hook: docstrings name things with Sphinx roles (``:class:`Table```); the API
pages show the name as code, without the role's prefix."""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|mod|meth|attr|func|data|exc|obj):(?=<code)")


def on_page_content(html: str, **_: Any) -> str:
    return _ROLE.sub("", html)

"""Reading forms out of an HTML answer, as a browser would send them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class FormParser(HTMLParser):
    """The forms of a page: their attributes and hidden inputs, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._current = {"attrs": attributes, "hidden": {}}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attributes.get("type") == "hidden":
            self._current["hidden"][attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None

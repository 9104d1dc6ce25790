"""XML text escaping for the sample writers (``&``, ``<``, ``>`` and ``"``; nothing else)."""

from __future__ import annotations


def xml_escape(text: str) -> str:
    """``text`` escaped for an XML element or a double-quoted attribute."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )

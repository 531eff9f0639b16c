"""Outlook HTML bodies to plain text, with the `cid:` images they reference.

Outlook writes each line as a `<p class=MsoNormal>` paragraph, and a blank line as a paragraph holding only
`&nbsp;`; it uses `<br>` inside paragraphs and tables for signatures. So: each block is one line, a
non-breaking-space-only block is one blank line, `<br>` always breaks, table cells are joined by a tab so a
signature table keeps one line per row; style, script and head content is dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(
    [
        "p",
        "div",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "dt",
        "dd",
    ]
)
_SKIP = frozenset({"style", "script", "head", "title", "xml"})
_CELL = frozenset({"td", "th"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.cids: set[str] = set()
        self._skip_depth = 0
        self._blank_pending = False

    def _flush(self, *, keep_empty: bool = False) -> None:
        line = "".join(self.current).strip(" \t\u00a0")
        if line or keep_empty:
            self.lines.append(line)
        self.current = []
        self._blank_pending = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag == "img":
            for name, value in attrs:
                if name == "src" and value and value.lower().startswith("cid:"):
                    self.cids.add(value[4:].strip().strip("<>").lower())
        elif tag == "br":
            self._flush(keep_empty=True)
        elif tag in _BLOCK:
            self._flush()
        elif tag in _CELL and "".join(self.current).strip():
            self.current.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self._flush(keep_empty=self._blank_pending and not "".join(self.current).strip())

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if "\u00a0" in data and not data.strip(" \t\r\n\u00a0"):
            self._blank_pending = True
        self.current.append(re.sub(r"\s*[\r\n]+\s*", " ", data))


_MANY_NEWLINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> tuple[str, set[str]]:
    """Plain text of an HTML body and the lower-cased Content-IDs its images reference."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # pathological markup: keep what was read
        pass
    parser._flush()
    text = "\n".join(parser.lines).replace("\u00a0", " ")
    return _MANY_NEWLINES.sub("\n\n", text).strip(), parser.cids

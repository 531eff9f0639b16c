"""Outlook HTML bodies to plain text, with the `cid:` images they reference.

Outlook writes each line as a `<p class=MsoNormal>` paragraph, and a blank line as a paragraph holding only
`&nbsp;`; it uses `<br>` inside paragraphs, and tables both for signatures (a logo cell beside a cell of
several lines) and for label/value grids («Nom | TREMBLAY»). So: each block is one line, a
non-breaking-space-only block is one blank line, `<br>` always breaks; a table row whose cells are single
lines becomes one line — «label : value» for a two-cell row — while cells of several lines keep their
lines. Style, script and head content is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCK = frozenset(
    [
        "p",
        "div",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
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


@dataclass
class _Sink:
    """Where finished lines go: the document, or the table cell being read."""

    lines: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    blank_pending: bool = False

    def flush(self, *, keep_empty: bool = False) -> None:
        line = "".join(self.current).strip(" \t\u00a0")
        if line or keep_empty:
            self.lines.append(line)
        self.current = []
        self.blank_pending = False


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.document = _Sink()
        self.sinks: list[_Sink] = [self.document]
        self.rows: list[list[_Sink]] = []
        self.cids: set[str] = set()
        self._skip_depth = 0

    @property
    def sink(self) -> _Sink:
        return self.sinks[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag == "img":
            for name, value in attrs:
                if name == "src" and value and value.lower().startswith("cid:"):
                    self.cids.add(value[4:].strip().strip("<>").lower())
        elif tag == "br":
            self.sink.flush(keep_empty=True)
        elif tag in _BLOCK:
            self.sink.flush()
        elif tag == "tr":
            self.sink.flush()
            self.rows.append([])
        elif tag in _CELL:
            if not self.rows:
                self.rows.append([])
            cell = _Sink()
            self.rows[-1].append(cell)
            self.sinks.append(cell)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self.sink.flush(keep_empty=self.sink.blank_pending and not "".join(self.sink.current).strip())
        elif tag in _CELL and len(self.sinks) > 1:
            self.sink.flush()
            self.sinks.pop()
        elif tag == "tr" and self.rows:
            self._emit_row(self.rows.pop())

    def _emit_row(self, cells: list[_Sink]) -> None:
        for cell in cells:
            cell.flush()
        filled = [cell.lines for cell in cells if cell.lines]
        target = self.sink
        target.flush()
        if len(filled) >= 2 and all(len(lines) == 1 for lines in filled):
            texts = [lines[0] for lines in filled]
            if len(texts) == 2 and len(texts[0]) <= 40 and not texts[0].endswith(":"):
                target.lines.append(f"{texts[0]} : {texts[1]}")
            else:
                target.lines.append("\t".join(texts))
            return
        for lines in filled:
            target.lines.extend(lines)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if "\u00a0" in data and not data.strip(" \t\r\n\u00a0"):
            self.sink.blank_pending = True
        self.sink.current.append(re.sub(r"\s*[\r\n]+\s*", " ", data))

    def finish(self) -> list[str]:
        while len(self.sinks) > 1:
            self.sink.flush()
            self.sinks.pop()
        while self.rows:
            self._emit_row(self.rows.pop())
        self.document.flush()
        return self.document.lines


_MANY_NEWLINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> tuple[str, set[str]]:
    """Plain text of an HTML body and the lower-cased Content-IDs its images reference."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # pathological markup: keep what was read
        pass
    text = "\n".join(parser.finish()).replace("\u00a0", " ")
    return _MANY_NEWLINES.sub("\n\n", text).strip(), parser.cids

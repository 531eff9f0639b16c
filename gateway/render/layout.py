"""Placing the form on US Letter pages and drawing it with reportlab, black on white.

The page follows the paper AH-251 / AH-253: establishment and title top left, the patient identification
box top right (repeated on every page, so a page separated from the others still names its patient), then
the body, a ruled grid whose unused part is struck through with one diagonal line so nothing can be added
after signing, the prescriber block that stands for the signature, and a footer with the form code, the job
reference and «Page n de N». Sizes are chosen for a G3 fax at 204×196 dpi: clinical text is 11 pt,
nothing a reader needs is under 8 pt, rules are at least ½ pt, and there is never a grey fill behind text.

Layout is computed first (every block measured and wrapped to its box, the body cut into pages) and drawn
second, so the page count is known before the first footer is written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from gateway.render.content import FormContent
from gateway.render.flate import FLATE
from gateway.render.fonts import Face, FontPair
from gateway.render.pdftext import draw_centred_string, draw_right_string, draw_string
from gateway.render.text import wrap, wrap_capped

PAGE_W, PAGE_H = 612.0, 792.0  # US Letter, portrait
LEFT, RIGHT, TOP = 36.0, 576.0, 756.0
WIDTH = RIGHT - LEFT
BOTTOM = 42.0  # lower edge of the prescriber block
FOOTER_Y = 26.0  # footer baseline

BODY = 11.0  # clinical content
BODY_LEAD = 14.0
SMALL = 10.0  # routing, signature and transmission statements
SMALL_LEAD = 12.5
LABEL = 8.0  # box labels
LABEL_LEAD = 9.5
FOOT = 9.0
PAGE_NO = 12.0  # «Page n de N» must survive the fax: smaller digits were misread by OCR

ROW_H = 17.0
INDENT = 14.0  # continuation lines of one order or note
GRID_HEAD_H = 18.0
PAD = 4.0
BOX_X = 318.0  # patient identification box, right-aligned
BOX_TITLE_H = 14.0
CELL_W = (RIGHT - BOX_X) / 2
STRIKE_MIN = ROW_H * 0.75  # unused area taller than this is struck through


def _baseline(top: float, lead: float, size: float) -> float:
    return top - lead + (lead - size) / 2 + 0.24 * size


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text at an offset from a block's left edge."""

    dx: float
    text: str
    face: Face
    size: float


@dataclass(frozen=True, slots=True)
class Para:
    """A body line across the page (possibly a bold label then regular text)."""

    parts: tuple[Text, ...]
    height: float = BODY_LEAD


@dataclass(frozen=True, slots=True)
class Banner:
    text: str
    height: float = 26.0


@dataclass(frozen=True, slots=True)
class Gap:
    height: float


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    text_col: int  # the wide column, already wrapped to fit
    first: bool  # first row of an entry: its continuation rows are indented
    last: bool  # last row of an entry: a rule separates it from the next
    height: float = ROW_H


Item = Para | Banner | Gap | Row


@dataclass(frozen=True, slots=True)
class Cell:
    label: tuple[str, ...]
    value: tuple[str, ...]


@dataclass(slots=True)
class Frame:
    """Everything drawn identically on every page, measured once per document."""

    left_lines: list[tuple[Text, float]] = field(default_factory=list)  # (line, line height)
    box_rows: list[tuple[Cell, Cell, float]] = field(default_factory=list)  # (cell, cell, row height)
    recipient: list[str] = field(default_factory=list)
    block: list[tuple[Text, float]] = field(default_factory=list)
    block_h: float = 0.0
    header_bottom: float = 0.0
    body_top: float = 0.0
    body_bottom: float = 0.0
    col_x: tuple[float, ...] = ()  # left edge of each grid column, then RIGHT


def _lines(text: str, face: Face, size: float, width: float, lead: float, cap: int) -> list[tuple[Text, float]]:
    return [(Text(0, line, face, size), lead) for line in wrap_capped(text, face, size, width, cap)]


def _header_left(c: FormContent, fonts: FontPair) -> list[tuple[Text, float]]:
    width = BOX_X - LEFT - 12
    out = _lines(c.establishment, fonts.bold, BODY, width, BODY_LEAD, 2)
    out += _lines(c.installation, fonts.regular, BODY, width, BODY_LEAD, 2)
    out.append((Text(0, "", fonts.regular, BODY), 8))
    out += _lines(c.spec.title, fonts.bold, 17, width, 21, 2)
    out += _lines(f"Formulaire {c.spec.code} — TÉLÉCONSULTATION", fonts.regular, LABEL + 1, width, 12, 1)
    return out


def _box_rows(c: FormContent, fonts: FontPair) -> list[tuple[Cell, Cell, float]]:
    inner = CELL_W - 2 * PAD
    cells = [
        Cell(
            tuple(wrap_capped(label, fonts.regular, LABEL, inner, 2)),
            tuple(wrap_capped(value, fonts.bold, BODY, inner, 3)),
        )
        for label, value in c.patient
    ]
    rows = []
    for a, b in zip(cells[0::2], cells[1::2], strict=True):
        labels = max(len(a.label), len(b.label))
        values = max(len(a.value), len(b.value))
        rows.append((a, b, PAD / 2 + labels * LABEL_LEAD + values * BODY_LEAD + PAD / 2))
    return rows


def _block(c: FormContent, fonts: FontPair) -> list[tuple[Text, float]]:
    width = WIDTH - 2 * PAD
    out = _lines("PRESCRIPTEUR — TIENT LIEU DE SIGNATURE", fonts.bold, LABEL, width, LABEL_LEAD + 1, 1)
    out += _lines(c.prescriber_name, fonts.bold, BODY, width, BODY_LEAD, 2)
    out += _lines(c.prescriber_ids, fonts.regular, BODY, width, BODY_LEAD, 2)
    out += _lines(c.signature, fonts.regular, SMALL, width, SMALL_LEAD, 2)
    out.append((Text(0, "", fonts.regular, SMALL), 3))
    out += _lines(c.transmission, fonts.regular, SMALL, width, SMALL_LEAD, 3)
    return out


def measure_frame(c: FormContent, fonts: FontPair) -> Frame:
    f = Frame(left_lines=_header_left(c, fonts), box_rows=_box_rows(c, fonts), block=_block(c, fonts))
    left_h = sum(h for _, h in f.left_lines)
    box_h = BOX_TITLE_H + sum(h for _, _, h in f.box_rows)
    f.header_bottom = TOP - max(left_h, box_h)
    f.recipient = wrap_capped(c.recipient, fonts.regular, SMALL, WIDTH, 2)
    f.body_top = f.header_bottom - 8 - len(f.recipient) * SMALL_LEAD - 8
    f.block_h = sum(h for _, h in f.block) + 2 * PAD
    f.body_bottom = BOTTOM + f.block_h + 10
    fixed = sum(col.width for col in c.spec.columns)
    x, xs = LEFT, []
    for col in c.spec.columns:
        xs.append(x)
        x += col.width or (WIDTH - fixed)
    f.col_x = (*xs, RIGHT)
    return f


def _para(label: str, text: str, fonts: FontPair) -> list[Para]:
    label_w = fonts.bold.width(label + " ", BODY)
    lines = wrap(text, fonts.regular, BODY, WIDTH, first_indent=label_w)
    out = [Para((Text(0, label, fonts.bold, BODY), Text(label_w, lines[0], fonts.regular, BODY)))]
    out += [Para((Text(0, line, fonts.regular, BODY),)) for line in lines[1:]]
    return out


def body_items(c: FormContent, fonts: FontPair, frame: Frame) -> list[Item]:
    items: list[Item] = [Banner("TÉLÉCONSULTATION"), Gap(6)]
    if c.spec.shows_allergies or c.allergies:
        items += _para("Allergies :", c.allergies or "non précisées dans la transmission", fonts)
    if c.spec.shows_allergies or c.clinical_info:
        items += _para("Renseignements cliniques :", c.clinical_info or "—", fonts)
    if c.critical_values:
        items += _para("Valeurs critiques :", f"joindre le {c.critical_values}", fonts)
    items.append(Gap(8))
    items += _rows(c, fonts, frame)
    return items


def _rows(c: FormContent, fonts: FontPair, frame: Frame) -> list[Row]:
    text_col = next(i for i, col in enumerate(c.spec.columns) if col.width == 0)
    width = frame.col_x[text_col + 1] - frame.col_x[text_col] - 2 * PAD
    date, time = c.when.strftime("%Y-%m-%d"), c.when.strftime("%H:%M")
    rows: list[Row] = []
    for n, entry in enumerate(c.entries or (("—",),)):
        lines = [w for line in entry for w in wrap(line, fonts.regular, BODY, width - INDENT, -INDENT)]
        for i, line in enumerate(lines):
            cells = ["", "", ""]
            cells[text_col] = line
            if i == 0 and c.spec.code == "AH-251":
                cells[0] = f"{date} {time}" if n == 0 else ""
                cells[2] = c.initials
            elif i == 0 and n == 0:
                cells[0], cells[1] = date, time
            rows.append(Row(tuple(cells), text_col, first=i == 0, last=i == len(lines) - 1))
    return rows


def paginate(items: list[Item], capacity: float) -> list[list[Item]]:
    """Cut the body into pages; a page that starts inside the grid repeats the grid's heading."""
    pages: list[list[Item]] = [[]]
    used = 0.0
    in_grid = False
    for item in items:
        head = GRID_HEAD_H if isinstance(item, Row) and not in_grid else 0.0
        if pages[-1] and used + head + item.height > capacity:
            pages.append([])
            used, in_grid = 0.0, False
            head = GRID_HEAD_H if isinstance(item, Row) else 0.0
        if isinstance(item, Gap) and not pages[-1]:
            continue
        pages[-1].append(item)
        used += head + item.height
        in_grid = in_grid or isinstance(item, Row)
    return pages


class Painter:
    """Draws one document's pages on a reportlab canvas."""

    def __init__(self, content: FormContent, fonts: FontPair, frame: Frame, total_pages: int, encrypt: object) -> None:
        self.c = content
        self.fonts = fonts
        self.frame = frame
        self.total = total_pages
        self.buf = io.BytesIO()
        self.cv = Canvas(
            self.buf,
            pagesize=(PAGE_W, PAGE_H),
            pageCompression=0,  # reportlab would use ASCII85 + zlib; the default filter set below deflates only
            encrypt=encrypt,
            pdfVersion=(1, 6),
            initialFontName=fonts.regular.name,  # not reportlab's Helvetica, which the form never uses
            initialFontSize=BODY,
        )
        self.cv._doc.defaultStreamFilters = [FLATE]
        self.cv.setStrokeColorRGB(0, 0, 0)
        self.cv.setFillColorRGB(0, 0, 0)
        self.font = {face.name: pdfmetrics.getFont(face.name) for face in (fonts.regular, fonts.bold)}

    def text(self, x: float, y: float, t: Text) -> None:
        if t.text:
            draw_string(self.cv, self.font[t.face.name], t.size, x + t.dx, y, t.text)

    def fit(self, value: str, width: float) -> Text:
        """A cell of a fixed-width column: 11 pt, down to 10 pt, then cut with an ellipsis."""
        face = self.fonts.regular
        for size in (BODY, SMALL):
            if face.width(value, size) <= width:
                return Text(0, value, face, size)
        return Text(0, wrap_capped(value, face, SMALL, width, 1)[0], face, SMALL)

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float) -> None:
        self.cv.setLineWidth(width)
        self.cv.line(x1, y1, x2, y2)

    def header(self) -> None:
        y = TOP
        for t, lead in self.frame.left_lines:
            self.text(LEFT, _baseline(y, lead, t.size), t)
            y -= lead
        self.patient_box()
        y = self.frame.header_bottom - 8
        for line in self.frame.recipient:
            self.text(LEFT, _baseline(y, SMALL_LEAD, SMALL), Text(0, line, self.fonts.regular, SMALL))
            y -= SMALL_LEAD
        self.line(LEFT, y - 4, RIGHT, y - 4, 1.2)

    def patient_box(self) -> None:
        f, bold = self.frame, self.fonts.bold
        bottom = TOP - BOX_TITLE_H - sum(h for _, _, h in f.box_rows)
        self.cv.setLineWidth(1.2)
        self.cv.rect(BOX_X, bottom, RIGHT - BOX_X, TOP - bottom, stroke=1, fill=0)
        title = Text(0, "IDENTIFICATION DE L'USAGER", bold, LABEL + 0.5)
        self.text(BOX_X + PAD, _baseline(TOP, BOX_TITLE_H, LABEL + 0.5), title)
        y = TOP - BOX_TITLE_H
        self.line(BOX_X, y, RIGHT, y, 0.8)
        for a, b, h in f.box_rows:
            self.cell(BOX_X, y, a)
            self.cell(BOX_X + CELL_W, y, b)
            self.line(BOX_X + CELL_W, y, BOX_X + CELL_W, y - h, 0.6)
            y -= h
            if y > bottom + 1:
                self.line(BOX_X, y, RIGHT, y, 0.6)

    def cell(self, x: float, top: float, cell: Cell) -> None:
        y = top - PAD / 2
        for label in cell.label:
            self.text(x + PAD, _baseline(y, LABEL_LEAD, LABEL), Text(0, label, self.fonts.regular, LABEL))
            y -= LABEL_LEAD
        y = top - PAD / 2 - max(1, len(cell.label)) * LABEL_LEAD
        for value in cell.value:
            self.text(x + PAD, _baseline(y, BODY_LEAD, BODY), Text(0, value, self.fonts.bold, BODY))
            y -= BODY_LEAD

    def block(self) -> None:
        f = self.frame
        top = BOTTOM + f.block_h
        self.cv.setLineWidth(1.2)
        self.cv.rect(LEFT, BOTTOM, WIDTH, f.block_h, stroke=1, fill=0)
        y = top - PAD
        for t, lead in f.block:
            self.text(LEFT + PAD, _baseline(y, lead, t.size), t)
            y -= lead

    def footer(self, page: int) -> None:
        cv, font = self.cv, self.font[self.fonts.regular.name]
        draw_string(cv, font, FOOT, LEFT, FOOTER_Y, f"{self.c.spec.code} — {self.c.spec.title.capitalize()}")
        draw_centred_string(cv, font, FOOT, PAGE_W / 2, FOOTER_Y, f"Réf. {self.c.job_ref}")
        draw_right_string(cv, font, PAGE_NO, RIGHT, FOOTER_Y, f"Page {page} de {self.total}")

    def grid_head(self, top: float) -> None:
        xs = self.frame.col_x
        self.line(LEFT, top, RIGHT, top, 1.2)
        for i, col in enumerate(self.c.spec.columns):
            t = Text(0, col.label, self.fonts.bold, SMALL)
            self.text(xs[i] + PAD, _baseline(top, GRID_HEAD_H, SMALL), t)
        self.line(LEFT, top - GRID_HEAD_H, RIGHT, top - GRID_HEAD_H, 1.2)

    def body(self, items: list[Item]) -> None:
        f = self.frame
        y = f.body_top
        grid_top: float | None = None
        for item in items:
            if isinstance(item, Row):
                if grid_top is None:
                    grid_top = y
                    self.grid_head(y)
                    y -= GRID_HEAD_H
                self.row(y, item)
            elif isinstance(item, Para):
                for t in item.parts:
                    self.text(LEFT, _baseline(y, item.height, t.size), t)
            elif isinstance(item, Banner):
                self.banner(y, item)
            y -= item.height
        self.close_grid(grid_top, y)

    def banner(self, top: float, b: Banner) -> None:
        size = 13.0
        w = self.fonts.bold.width(b.text, size) + 16
        self.cv.setLineWidth(1.5)
        self.cv.rect(LEFT, top - b.height + 2, w, b.height - 4, stroke=1, fill=0)
        self.text(LEFT + 8, _baseline(top, b.height, size), Text(0, b.text, self.fonts.bold, size))

    def row(self, top: float, row: Row) -> None:
        xs = self.frame.col_x
        base = top - row.height + 5
        for i, value in enumerate(row.cells):
            if i == row.text_col:
                indent = 0.0 if row.first else INDENT
                self.text(xs[i] + PAD, base, Text(indent, value, self.fonts.regular, BODY))
            else:
                self.text(xs[i] + PAD, base, self.fit(value, xs[i + 1] - xs[i] - 2 * PAD))
        if row.last:
            self.line(LEFT, top - row.height, RIGHT, top - row.height, 0.5)

    def close_grid(self, grid_top: float | None, used_to: float) -> None:
        bottom = self.frame.body_bottom
        if grid_top is not None:
            self.cv.setLineWidth(1.2)
            self.cv.rect(LEFT, bottom, WIDTH, grid_top - bottom, stroke=1, fill=0)
            for x in self.frame.col_x[1:-1]:
                self.line(x, grid_top, x, bottom, 0.6)
        if used_to - bottom > STRIKE_MIN:
            self.line(LEFT, used_to, RIGHT, bottom, 1.5)

    def page(self, number: int, items: list[Item]) -> None:
        self.header()
        self.body(items)
        self.block()
        self.footer(number)
        self.cv.showPage()

    def finish(self, metadata: dict[str, str]) -> bytes:
        self.cv.setTitle(metadata.get("Title", ""))
        self.cv.setAuthor(metadata.get("Author", ""))
        self.cv.setSubject(metadata.get("Subject", ""))
        self.cv.setCreator(metadata.get("Creator", "ordofax"))
        self.cv.setProducer(metadata.get("Producer", "ordofax"))
        self.cv.save()
        return self.buf.getvalue()


@dataclass(frozen=True, slots=True)
class Laid:
    """A document measured and cut into pages, ready to draw once the whole fax's page count is known."""

    content: FormContent
    frame: Frame
    pages: list[list[Item]]


def lay_out(content: FormContent, fonts: FontPair) -> Laid:
    frame = measure_frame(content, fonts)
    items = body_items(content, fonts, frame)
    return Laid(content, frame, paginate(items, frame.body_top - frame.body_bottom))


def draw(laid: Laid, fonts: FontPair, total_pages: int, metadata: dict[str, str], encrypt: object = None) -> bytes:
    """The form's pages as PDF bytes; `encrypt` is a reportlab encryption object, or None for a draft."""
    painter = Painter(laid.content, fonts, laid.frame, total_pages, encrypt)
    for number, items in enumerate(laid.pages, start=1):
        painter.page(number, items)
    return painter.finish(metadata)

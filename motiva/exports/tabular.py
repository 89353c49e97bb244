"""The one place that turns rows into files: CSV and XLSX renderers and the download response.

Usage::

    table = Table(
        columns=[Column("number", _("Personnel number")), Column("pay", _("Bonus"), "money")],
        rows=(("00123", Decimal("1500.00")) for ... in ...),   # an iterator, never a list of everything
    )
    render_csv(table) -> bytes            # or iter_csv(table) -> Iterator[bytes]
    render_xlsx(table, "Results", title_rows=[["Run 5"]]) -> bytes
    download(request, table, "xlsx", "motiva-run-5", "Results") -> HttpResponse

Column kinds: "text", "number", "money" (two decimals), "date", "datetime", "percent" (the value in
percentage points: 105.5 means 105.5 %). None is an empty cell in every kind.

CSV: UTF-8 with a byte order mark, `;` between fields, CRLF line ends (what Russian Excel opens by a
double click). Numbers are written plainly, without thousands separators, with a DECIMAL COMMA
("1500,50"; Russian Excel reads it as a number; `decimal="."` is available). Dates are ISO
("2026-01-31"), date-times "2026-01-31 14:05:00" in the server's time zone.

XLSX: numbers are number cells (money "#,##0.00", percent "0.00", number General), dates are real date
cells ("dd.mm.yyyy"), text is always an inline string cell (never a formula). The file is written
directly as SpreadsheetML (no openpyxl object per cell): 100 000 rows × 12 columns take a few seconds,
and the same table gives the same bytes (fixed document dates and zip entry times).

Sanitation (`clean_text`, used by both formats): control characters (C0, DEL, C1, the characters
openpyxl's ILLEGAL_CHARACTERS_RE refuses, lone surrogates, U+FFFE/U+FFFF) are removed, so one bad name
never fails an export; a text that begins with = + - − @, a tab, CR or LF, or their full-width forms
(＝ ＋ － ＠), is formula-like: CSV prefixes it with an apostrophe, XLSX writes it as a string cell.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import quote, urlsplit

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from motiva.core.files import DiskFull, is_disk_full

KINDS = ("text", "number", "money", "date", "datetime", "percent")
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a (lazy) string; rendered with str()
    kind: str = "text"
    width: int | None = None  # XLSX column width in characters; a default per kind otherwise

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.key!r}: unknown kind {self.kind!r}")


@dataclass
class Table:
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]  # consumed once, row by row


# ---------------------------------------------------------------------------------------- sanitation

FORMULA_STARTS = frozenset("=+-\u2212@\t\r\n\uff1d\uff0b\uff0d\uff20")
# C0 (all of it, tab and line ends too: a cell is one line), DEL, C1, lone surrogates, the two
# non-characters XML refuses. openpyxl's ILLEGAL_CHARACTERS_RE is a subset of this.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: Any) -> tuple[str, bool]:
    """A cell's text with control characters removed, and whether it is formula-like.

    Formula-like: the original or the cleaned text begins with one of FORMULA_STARTS. The caller makes
    it inert (CSV: a leading apostrophe; XLSX: a string cell)."""
    text = "" if value is None else str(value)
    cleaned = _CONTROL_RE.sub("", text)
    risky = (bool(text) and text[0] in FORMULA_STARTS) or (bool(cleaned) and cleaned[0] in FORMULA_STARTS)
    return cleaned, risky


def csv_text(value: Any) -> str:
    cleaned, risky = clean_text(value)
    return "'" + cleaned if risky else cleaned


# -------------------------------------------------------------------------------------------- values


def _plain_decimal(value: Any, *, trim: bool = True) -> str:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return str(value)
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    text = format(number, "f")
    if trim and "." in text:  # 110.000000 -> 110: a stored scale is no precision the reader needs
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _csv_value(kind: str, value: Any, decimal: str) -> str:
    if value is None or value == "":
        return ""
    if kind in ("number", "money", "percent"):
        try:
            if kind == "money":
                value = Decimal(str(value)).quantize(Decimal("0.01"))
                return _plain_decimal(value, trim=False).replace(".", decimal)
            return _plain_decimal(value).replace(".", decimal)
        except (ArithmeticError, ValueError, TypeError):  # not a number after all: kept, as text
            return csv_text(value)
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = _local(value).date()
        return value.isoformat()
    if kind == "datetime":
        if isinstance(value, dt.datetime):
            return _local(value).isoformat(sep=" ", timespec="seconds")
        return value.isoformat()
    return csv_text(value)


_NEEDS_QUOTES = re.compile('[;"\r\n]')


def _csv_field(text: str) -> str:
    # one regex search per cell: a generator over the four characters cost a quarter of a payroll file
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_any(kind: str, value: Any, decimal: str) -> str:
    return _csv_field(_csv_value(kind, value, decimal))


# Per-kind fast paths of _csv_any for the values most cells hold; anything else goes the general way.
# A payroll file of 300 000 rows × 13 columns renders in 2.7–3.3 s instead of 4.4–6.2 s (in memory, no database).
_CSV_PLAIN_TEXT = re.compile(
    '[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff;"=+\\-\u2212@\uff1d\uff0b\uff0d\uff20]'
    '[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff;"]*'
)  # text that needs no quotes, has no control character and does not look like a formula
_CENT = Decimal("0.01")


def _csv_text_fast(kind: str, value: Any, decimal: str) -> str:
    if type(value) is str and _CSV_PLAIN_TEXT.fullmatch(value):
        return value
    return _csv_any(kind, value, decimal)


def _csv_money_fast(kind: str, value: Any, decimal: str) -> str:
    if type(value) is Decimal and value.is_finite():
        return format(value.quantize(_CENT), "f").replace(".", decimal)
    return _csv_any(kind, value, decimal)


def _csv_number_fast(kind: str, value: Any, decimal: str) -> str:
    if type(value) is int:
        return str(value)
    if type(value) is Decimal and value.is_finite():
        return _plain_decimal(value).replace(".", decimal)
    return _csv_any(kind, value, decimal)


def _csv_date_fast(kind: str, value: Any, decimal: str) -> str:
    if type(value) is dt.date:
        return value.isoformat()
    return _csv_any(kind, value, decimal)


_CSV_FAST = {
    "text": _csv_text_fast,
    "money": _csv_money_fast,
    "number": _csv_number_fast,
    "percent": _csv_number_fast,
    "date": _csv_date_fast,
}


def iter_csv(
    table: Table, *, decimal: str = ",", title_rows: Sequence[Sequence[Any]] | None = None
) -> Iterator[bytes]:
    """The table as CSV, chunk by chunk (see the module docstring for the format)."""
    kinds = [column.kind for column in table.columns]
    fields = [_CSV_FAST.get(kind, _csv_any) for kind in kinds]
    lines: list[str] = ["\ufeff"]
    for title in title_rows or ():
        lines.append(";".join(_csv_field(csv_text(cell)) for cell in title) + "\r\n")
    lines.append(";".join(_csv_field(csv_text(column.header)) for column in table.columns) + "\r\n")
    for row in table.rows:
        cells = [field(kind, value, decimal) for field, kind, value in zip(fields, kinds, row, strict=True)]
        lines.append(";".join(cells) + "\r\n")
        if len(lines) >= 2000:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def render_csv(
    table: Table, *, decimal: str = ",", title_rows: Sequence[Sequence[Any]] | None = None
) -> bytes:
    return b"".join(iter_csv(table, decimal=decimal, title_rows=title_rows))


# ---------------------------------------------------------------------------------------------- XLSX

FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # every zip entry's time
FIXED_STAMP = "2000-01-01T00:00:00Z"  # docProps created/modified
_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 (the spreadsheet epoch, naive by nature)
# style index per kind (cellXfs order in _STYLES); 1 is the bold header, 2 bold title
_NUMBER_KINDS = frozenset({"number", "money", "percent"})
_STYLE = {"text": 3, "number": 4, "money": 5, "percent": 6, "date": 7, "datetime": 8}
_WIDTH = {"text": 24, "number": 12, "money": 16, "percent": 10, "date": 12, "datetime": 18}

_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd.mm.yyyy hh:mm"/><numFmt numFmtId="166" formatCode="0.00"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="9">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>Motiva</dc:creator>"
    f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_STAMP}</dcterms:created>'
    f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_STAMP}</dcterms:modified>'
    "</cp:coreProperties>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Motiva</Application></Properties>"
)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def column_letter(index: int) -> str:
    """0 -> "A", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def sheet_name(title: Any) -> str:
    """A valid worksheet name: no []:*?/\\ or control characters, at most 31 characters, not empty."""
    cleaned, _risky = clean_text(title)
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", cleaned).strip().strip("'")[:31].strip()
    return cleaned or "Sheet1"


def _text_cell(ref: str, value: Any, style: int) -> str:
    cleaned, _risky = clean_text(value)  # an inline string cell is never evaluated, risky or not
    if not cleaned:
        return ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_xml(cleaned)}</t></is></c>'


def _serial(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        delta = _local(value) - _EPOCH
        days = Decimal(delta.days) + Decimal(delta.seconds * 1_000_000 + delta.microseconds) / Decimal(
            86_400_000_000
        )
        return format(days.quantize(Decimal("0.0000000001")).normalize(), "f")
    return str((value - _EPOCH.date()).days)


_XLSX_PLAIN_TEXT = re.compile('[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff&<>"]+')
_EPOCH_DATE = _EPOCH.date()


def _cell(ref: str, kind: str, value: Any) -> str:
    # Fast paths first (plain text, dates, ints and Decimals: most cells), then the general way.
    kind_of = type(value)
    if kind_of is str and kind == "text" and _XLSX_PLAIN_TEXT.fullmatch(value):
        return f'<c r="{ref}" s="3" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    if kind_of is dt.date and kind == "date":
        return f'<c r="{ref}" s="7"><v>{(value - _EPOCH_DATE).days}</v></c>'
    if (kind_of is int or (kind_of is Decimal and value.is_finite())) and kind in _NUMBER_KINDS:
        return f'<c r="{ref}" s="{_STYLE[kind]}"><v>{_plain_decimal(value)}</v></c>'
    if value is None or value == "":
        return ""
    if kind == "text":
        return _text_cell(ref, value, 3)
    if kind in ("number", "money", "percent"):
        try:
            return f'<c r="{ref}" s="{_STYLE[kind]}"><v>{_plain_decimal(value)}</v></c>'
        except (ArithmeticError, ValueError, TypeError):  # not a number after all: kept, as text
            return _text_cell(ref, value, 3)
    if kind == "date" and isinstance(value, dt.datetime):
        value = _local(value).date()
    if kind == "datetime" and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return f'<c r="{ref}" s="{_STYLE[kind]}"><v>{_serial(value)}</v></c>'


def _sheet_chunks(table: Table, title_rows: Sequence[Sequence[Any]]) -> Iterator[str]:
    columns = list(table.columns)
    letters = [
        column_letter(i) for i in range(max(len(columns), max((len(t) for t in title_rows), default=0)))
    ]
    kinds = [column.kind for column in columns]
    header_row = len(title_rows) + 1
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0">'
        f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
    )
    if columns:
        yield (
            "<cols>"
            + "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{column.width or _WIDTH[column.kind]}" customWidth="1"/>'
                for i, column in enumerate(columns)
            )
            + "</cols>"
        )
    yield "<sheetData>"
    number = 0
    for title in title_rows:
        number += 1
        yield (
            f'<row r="{number}">'
            + "".join(_text_cell(f"{letters[i]}{number}", cell, 2) for i, cell in enumerate(title))
            + "</row>"
        )
    number += 1
    yield (
        f'<row r="{number}">'
        + "".join(_text_cell(f"{letters[i]}{number}", column.header, 1) for i, column in enumerate(columns))
        + "</row>"
    )
    parts: list[str] = []
    for row in table.rows:
        number += 1
        suffix = str(number)
        if len(row) != len(kinds):
            raise ValueError(f"row {number}: {len(row)} values for {len(kinds)} columns")
        parts.append(f'<row r="{suffix}">')
        for letter, kind, value in zip(letters, kinds, row, strict=False):
            parts.append(_cell(letter + suffix, kind, value))
        parts.append("</row>")
        if len(parts) > 20_000:
            yield "".join(parts)
            parts = []
    if parts:
        yield "".join(parts)
    yield "</sheetData></worksheet>"


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def render_xlsx(
    table: Table,
    sheet_title: Any,
    title_rows: Sequence[Sequence[Any]] | None = None,
    *,
    name: str = "export.xlsx",
) -> bytes:
    """The table as the bytes of an .xlsx workbook with one sheet, built in memory.

    `title_rows` (optional) are bold text rows above the header (a run's number, a period). A full disk
    or any other write error is raised as motiva.core.files.DiskFull naming `name`."""
    titles = [list(t) for t in title_rows or ()]
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        "<bookViews><workbookView/></bookViews>"
        f'<sheets><sheet name="{_xml(sheet_name(sheet_title))}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    buffer = BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for part, content in (
                ("[Content_Types].xml", _CONTENT_TYPES_XML),
                ("_rels/.rels", _ROOT_RELS),
                ("docProps/app.xml", _APP),
                ("docProps/core.xml", _CORE),
                ("xl/workbook.xml", workbook),
                ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                ("xl/styles.xml", _STYLES),
            ):
                archive.writestr(_entry(part), content)
            with archive.open(_entry("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as sheet:
                for chunk in _sheet_chunks(table, titles):
                    sheet.write(chunk.encode("utf-8"))
    except OSError as error:
        if is_disk_full(error):
            raise DiskFull(name, error) from error
        raise DiskFull(name, error) from error
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ download


class FormatForm(forms.Form):
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS])


class BadFormat(Exception):
    pass


def requested_format(request: HttpRequest, *, required: bool = True) -> str | None:
    """The `format` GET value ("xlsx" or "csv"); None when absent and not required; BadFormat otherwise."""
    if "format" not in request.GET:
        if required:
            raise BadFormat
        return None
    form = FormatForm({"format": request.GET.get("format", "")})
    if not form.is_valid():
        raise BadFormat
    return str(form.cleaned_data["format"])


def bad_format_response() -> HttpResponse:
    return HttpResponse(
        _("Unknown export format: choose xlsx or csv.") + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def is_cross_site(request: HttpRequest) -> bool:
    """A request another site caused: Sec-Fetch-Site cross-site, or an Origin/Referer of another host."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    host = request.get_host().lower()
    for header in ("Origin", "Referer"):
        value = request.headers.get(header, "")
        if not value:
            continue
        if value == "null":  # an opaque origin (a sandboxed frame, a data: page)
            return True
        netloc = urlsplit(value).netloc.lower()
        if netloc and netloc != host:
            return True
    return False


def safe_filename(name: str) -> str:
    """The file name without path separators, quotes or control characters (may be non-ASCII)."""
    cleaned, _risky = clean_text(name)
    cleaned = re.sub(r'[\\/"<>|:*?]', "_", cleaned).strip(" .")
    return cleaned or "export"


def content_disposition(filename: str) -> str:
    name = safe_filename(filename)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "export"
    return f"attachment; filename*=UTF-8''{quote(name, safe='')}; filename=\"{ascii_name}\""


def refused_response() -> HttpResponse:
    return HttpResponse(status=403)


def download(
    request: HttpRequest,
    table: Table,
    fmt: str,
    filename: str,
    sheet_title: Any = "",
    title_rows: Sequence[Sequence[Any]] | None = None,
) -> HttpResponse:
    """The table as an attachment. `filename` without extension (".xlsx"/".csv" is added).

    A cross-site request gets 403 and no rows are read; an unknown format gets 400. Cache-Control:
    no-store is set here (and again by motiva.web.headers for every download). DiskFull propagates
    for the caller to report."""
    if is_cross_site(request):
        return refused_response()
    if fmt not in FORMATS:
        return bad_format_response()
    full_name = f"{filename}.{fmt}"
    if fmt == "csv":
        content = render_csv(table, title_rows=title_rows)
    else:
        content = render_xlsx(table, sheet_title or filename, title_rows, name=full_name)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(full_name)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "KINDS",
    "BadFormat",
    "Column",
    "Table",
    "bad_format_response",
    "clean_text",
    "column_letter",
    "content_disposition",
    "csv_text",
    "download",
    "is_cross_site",
    "iter_csv",
    "render_csv",
    "render_xlsx",
    "requested_format",
    "safe_filename",
    "sheet_name",
]

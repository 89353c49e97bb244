"""Safe reading of uploaded CSV and XLSX files: hostile files are refused, every cell is read as text.

`inspect` runs every check that can run before parsing (size, extension, signature, the ZIP's central
directory: entry count, declared unpacked size, compression ratio, macro and ActiveX parts, embedded
programs); `read_rows` streams the rows of one sheet (or the CSV) as text, in constant memory.

XLSX is parsed here, not with openpyxl (which turns numbers into floats): the XML parts go through expat
with the defusedxml rules — a DTD, an entity declaration or an external entity is refused, so neither
"billion laughs" nor XXE can run. zipfile never unpacks more than an entry's declared size (and checks its
CRC), so the declared sizes checked in `inspect` bound what is unpacked.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from django.conf import settings

from motiva.core.errors import problem
from motiva.engine.problems import Problem

__all__ = ["FileRefused", "SheetRow", "SourceFile", "column_letter", "inspect", "read_rows"]


class FileRefused(Exception):
    """The file is refused; `problems` say where and why (Problem.field: "file" or the cell's place)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.render('en')}" for p in self.problems))


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str
    format: str  # "csv" | "xlsx"
    sha256: str
    size: int
    encoding: str = ""  # CSV only: "utf-8-sig" or "cp1251" (found by inspect)
    delimiter: str = ""  # CSV only: ";" "," or "\t" (found by inspect from the header line)


@dataclass(frozen=True, slots=True)
class SheetRow:
    sheet: str  # sheet title ("" for CSV)
    number: int  # the row number in Excel / the CSV line the row starts on (1-based)
    cells: tuple[str, ...]  # every cell as text, stripped


_new_object = object.__new__
_set_sheet = (
    SheetRow.sheet.__set__
)  # the slots' own setters: a frozen dataclass's __init__ costs 3 times more
_set_number = SheetRow.number.__set__
_set_cells = SheetRow.cells.__set__


def _row(sheet: str, number: int, cells: tuple[str, ...]) -> SheetRow:
    row = _new_object(SheetRow)
    _set_sheet(row, sheet)
    _set_number(row, number)
    _set_cells(row, cells)
    return row


# ---------------------------------------------------------------------------------------------- places


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _place(sheet: str, row: int | None = None, column: int | None = None) -> tuple[str, str]:
    ru = f"Лист «{sheet}»" if sheet else ""
    en = f"Sheet “{sheet}”" if sheet else ""
    if row is not None:
        ru = f"{ru}, строка {row}" if ru else f"Строка {row}"
        en = f"{en}, row {row}" if en else f"Row {row}"
    if column is not None:
        ru = f"{ru}, столбец {column_letter(column)}"
        en = f"{en}, column {column_letter(column)}"
    return ru, en


def _refuse(code: str, ru: str, en: str, **params: object) -> FileRefused:
    return FileRefused([problem(code, "file", ru, en, **params)])


def _refuse_at(code: str, where: tuple[str, str], ru: str, en: str) -> FileRefused:
    place_ru, place_en = where
    return FileRefused([problem(code, place_ru, f"{place_ru}: {ru}", f"{place_en}: {en}")])


# ---------------------------------------------------------------------------------------------- inspect

_CHUNK = 1 << 20
_BINARY_SIGNATURES = (
    (b"MZ", "a Windows program (EXE/DLL)", "программа Windows (EXE/DLL)"),
    (b"\x7fELF", "a Linux program (ELF)", "программа Linux (ELF)"),
    (
        b"\xd0\xcf\x11\xe0",
        "an old Excel (.xls) or other OLE file",
        "старый файл Excel (.xls) или другой OLE-файл",
    ),
    (b"%PDF", "a PDF document", "документ PDF"),
    (b"\x1f\x8b", "a gzip archive", "архив gzip"),
    (b"Rar!", "a RAR archive", "архив RAR"),
    (b"7z\xbc\xaf", "a 7-Zip archive", "архив 7-Zip"),
    (b"\xca\xfe\xba\xbe", "a program (Mach-O / Java)", "программа (Mach-O / Java)"),
    (b"#!", "a script", "скрипт"),
)
_MACRO_EXTENSIONS = {".xlsm", ".xltm", ".xlam", ".xlsb", ".xla", ".xlm"}
_OTHER_EXCEL = {".xls", ".xlt", ".xltx", ".ods", ".numbers", ".txt", ".tsv", ".zip"}
_SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_PROGRAM_NAMES = re.compile(
    r"(?i)(vbaproject|vbadata|activex|/embeddings/|\.(exe|dll|com|scr|bat|cmd|ps1|vbs|vbe|js|jse|wsf|msi|jar|"
    r"sh|bin|hta|lnk|cpl|ocx)$)"
)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def inspect(path: Path, name: str) -> SourceFile:
    """Refuse a hostile or unreadable file before anything parses it; raises FileRefused."""
    path = Path(path)
    size = path.stat().st_size
    max_bytes = _limit("MOTIVA_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
    if size > max_bytes:
        raise _refuse(
            "file_too_large",
            "Файл больше допустимого: {size} МБ при пределе {limit} МБ.",
            "The file is too large: {size} MB, the limit is {limit} MB.",
            size=round(size / 1048576, 1),
            limit=round(max_bytes / 1048576, 1),
        )
    if size == 0:
        raise _refuse("file_empty", "Файл пуст.", "The file is empty.")
    extension = Path(name).suffix.lower()
    if extension in _MACRO_EXTENSIONS:
        raise _refuse(
            "file_macro",
            "Файлы с макросами ({ext}) не принимаются: сохраните книгу как «Книга Excel (.xlsx)» или CSV.",
            "Macro-enabled files ({ext}) are not accepted: save the workbook as “Excel Workbook (.xlsx)” or CSV.",
            ext=extension,
        )
    if extension not in (".csv", ".xlsx"):
        raise _refuse(
            "file_type",
            "Файлы «{ext}» не принимаются: загрузите книгу Excel (.xlsx) или CSV.",
            "“{ext}” files are not accepted: upload an Excel workbook (.xlsx) or CSV.",
            ext=extension or name,
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if extension == ".xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise _not_xlsx(head)
        digest = _sha256(path)
        _check_zip(path)
        return SourceFile(path=path, name=name, format="xlsx", sha256=digest, size=size)
    _check_binary_head(head)
    digest, encoding = _scan_text(path)
    delimiter = _detect_delimiter(path, encoding)
    return SourceFile(
        path=path, name=name, format="csv", sha256=digest, size=size, encoding=encoding, delimiter=delimiter
    )


def _not_xlsx(head: bytes) -> FileRefused:
    for signature, en, ru in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return _refuse(
                "file_disguised",
                f"Файл назван .xlsx, но это {ru}: такой файл не принимается.",
                f"The file is named .xlsx but is {en}: it is not accepted.",
            )
    return _refuse(
        "file_not_xlsx",
        "Файл назван .xlsx, но это не книга Excel: сохраните его в Excel как «Книга Excel (.xlsx)».",
        "The file is named .xlsx but is not an Excel workbook: save it from Excel as “Excel Workbook (.xlsx)”.",
    )


def _check_binary_head(head: bytes) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise _refuse(
            "file_disguised",
            "Файл назван .csv, но это архив или книга Excel: загрузите его с расширением .xlsx или сохраните как CSV.",
            "The file is named .csv but is an archive or Excel workbook: upload it as .xlsx or save it as CSV.",
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(
            "file_encoding",
            "Файл в кодировке UTF-16 («Текст Юникод»): сохраните его как «CSV UTF-8».",
            "The file is UTF-16 (“Unicode Text”): save it as “CSV UTF-8”.",
        )
    for signature, en, ru in _BINARY_SIGNATURES:
        if head.startswith(signature) and signature != b"#!":
            raise _refuse(
                "file_disguised",
                f"Файл назван .csv, но это {ru}: такой файл не принимается.",
                f"The file is named .csv but is {en}: it is not accepted.",
            )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _scan_text(path: Path) -> tuple[str, str]:
    """sha256 of the file and its encoding (UTF-8 with or without BOM, else Windows-1251); no NUL bytes."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            if b"\x00" in chunk:
                raise _refuse(
                    "file_binary",
                    "Файл содержит двоичные данные (нулевые байты): это не текст CSV.",
                    "The file contains binary data (NUL bytes): it is not CSV text.",
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        return digest.hexdigest(), "utf-8-sig"
    # Not UTF-8: Russian Excel's «CSV (разделители — запятые)» is Windows-1251; only 0x98 is undefined there.
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if b"\x98" in chunk:
                raise _refuse(
                    "file_encoding",
                    "Кодировка файла не распознана: сохраните его как «CSV UTF-8».",
                    "The file's encoding is not recognised: save it as “CSV UTF-8”.",
                )
    return digest.hexdigest(), "cp1251"


def _detect_delimiter(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, newline="") as handle:
        for line in handle:
            if line.strip():
                break
        else:
            raise _refuse("file_empty", "В файле нет ни одной строки.", "The file has no rows.")
    # Count separators outside quotes in the header line.
    counts = {";": 0, "\t": 0, ",": 0}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda key: counts[key])  # ties: ";" then TAB then ","
    return best if counts[best] else ";"


# ------------------------------------------------------------------------------------ the ZIP container


def _check_zip(path: Path) -> None:
    max_entries = _limit("MOTIVA_IMPORT_MAX_ENTRIES", 5000)
    max_unpacked = _limit("MOTIVA_IMPORT_MAX_UNPACKED", 1024 * 1024 * 1024)
    broken = _refuse(
        "file_broken_zip",
        "Книга Excel повреждена (неверный архив): откройте её в Excel и сохраните заново.",
        "The Excel workbook is damaged (not a valid ZIP): open it in Excel and save it again.",
    )
    # The entry count from the end-of-central-directory record, before zipfile reads the directory.
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 65557))
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            raise broken
        entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
        if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
            locator = tail[at - 20 : at] if at >= 20 else b""
            if not locator.startswith(b"PK\x06\x07"):
                raise broken
            (offset,) = struct.unpack("<Q", locator[8:16])
            handle.seek(offset)
            record = handle.read(56)
            if not record.startswith(b"PK\x06\x06"):
                raise broken
            entries, directory_size = struct.unpack("<QQ", record[32:48])
    if entries > max_entries or directory_size > max_entries * 1100:
        raise _too_many(entries, max_entries)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, struct.error):
        raise broken from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise _too_many(len(infos), max_entries)
        names: set[str] = set()
        total = 0
        for info in infos:
            lowered = info.filename.lower()
            if lowered in names:
                raise broken
            names.add(lowered)
            if info.flag_bits & 0x1:
                raise _refuse(
                    "file_encrypted",
                    "Книга защищена паролем: снимите защиту и сохраните заново.",
                    "The workbook is password-protected: remove the password and save it again.",
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise broken
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > max_unpacked or (info.file_size > 1048576 and ratio > 200):
                raise _refuse(
                    "file_zip_bomb",
                    "Книга распаковывается в слишком большой объём ({size} МБ): так выглядит «zip-бомба», файл"
                    " не принят.",
                    "The workbook unpacks to too much data ({size} MB): it looks like a zip bomb and is refused.",
                    size=round(max(total, info.file_size) / 1048576),
                )
            if _PROGRAM_NAMES.search("/" + lowered):
                raise _refuse(
                    "file_macro",
                    "Книга содержит макросы, элементы ActiveX или вложенные программы («{part}»): такие файлы"
                    " не принимаются. Сохраните данные в новую книгу .xlsx без вложений.",
                    "The workbook contains macros, ActiveX controls or embedded programs (“{part}”): such files"
                    " are not accepted. Save the data into a new .xlsx workbook without attachments.",
                    part=info.filename,
                )
        if "[content_types].xml" not in names:
            raise _not_xlsx(b"")
        types = _content_types(archive)
    for _part, content_type in types:
        lowered = content_type.lower()
        if "macroenabled" in lowered or "vba" in lowered or "activex" in lowered:
            raise _refuse(
                "file_macro",
                "Книга объявлена как книга с макросами («{type}»): такие файлы не принимаются.",
                "The workbook declares macro content (“{type}”): such files are not accepted.",
                type=content_type,
            )
    if not any(content_type == _SHEET_MAIN for _part, content_type in types):
        raise _not_xlsx(b"")


def _too_many(entries: int, limit: int) -> FileRefused:
    return _refuse(
        "file_zip_bomb",
        "В книге слишком много частей ({count} при пределе {limit}): так выглядит «zip-бомба», файл не принят.",
        "The workbook has too many parts ({count}, the limit is {limit}): it looks like a zip bomb and is refused.",
        count=entries,
        limit=limit,
    )


def _content_types(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.endswith("}Override"):
            found.append((attrs.get("PartName", ""), attrs.get("ContentType", "")))
        elif name.endswith("}Default"):
            found.append(("*." + attrs.get("Extension", ""), attrs.get("ContentType", "")))

    _parse_part(archive, "[Content_Types].xml", start, None, None)
    return found


# ----------------------------------------------------------------------------------------- safe XML


def _safe_parser() -> expat.XMLParserType:
    """An expat parser with defusedxml's rules: no DTD, no entity declarations, no external entities."""
    parser = expat.ParserCreate(namespace_separator="}", intern={})

    def doctype(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
        raise DTDForbidden(name, sysid, pubid)

    def entity(name, is_parameter, value, base, sysid, pubid, notation) -> None:
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation)

    def external(context, base, sysid, pubid) -> None:
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = lambda *args: entity(args[0], False, None, *args[1:])
    parser.ExternalEntityRefHandler = external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    return parser


def _xml_refusal(part: str, error: Exception) -> FileRefused:
    if isinstance(error, DTDForbidden | EntitiesForbidden | ExternalReferenceForbidden):
        return _refuse(
            "file_xml_entities",
            "Часть книги «{part}» содержит объявления DTD или сущностей (возможная атака «billion laughs» или"
            " XXE): файл не принят.",
            "Part “{part}” of the workbook contains a DTD or entity declarations (a possible “billion laughs” or"
            " XXE attack): the file is refused.",
            part=part,
        )
    return _refuse(
        "file_xml_broken",
        "Часть книги «{part}» повреждена: откройте книгу в Excel и сохраните заново.",
        "Part “{part}” of the workbook is damaged: open the workbook in Excel and save it again.",
        part=part,
    )


def _open_part(archive: zipfile.ZipFile, part: str):
    try:
        return archive.open(part.lstrip("/"))
    except KeyError:
        raise _refuse(
            "file_xml_broken",
            "В книге нет части «{part}»: откройте книгу в Excel и сохраните заново.",
            "The workbook lacks part “{part}”: open the workbook in Excel and save it again.",
            part=part,
        ) from None


def _parse_part(archive: zipfile.ZipFile, part: str, start, end, data) -> None:
    parser = _safe_parser()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if data is not None:
        parser.CharacterDataHandler = data
    with _open_part(archive, part) as stream:
        try:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except FileRefused:
            raise
        except (expat.ExpatError, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as error:
            raise _xml_refusal(part, error) from None
        except (zipfile.BadZipFile, OSError, EOFError):
            raise _xml_refusal(part, ValueError()) from None


# ---------------------------------------------------------------------------------------------- text

_SPACES = str.maketrans({"\xa0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " "})


def _clean(value: str) -> str:
    if not value.isascii():
        value = value.translate(_SPACES)
    return value.strip()


# ------------------------------------------------------------------------------------------ read_rows


def read_rows(source: SourceFile, sheet: str | None = None) -> Iterator[SheetRow]:
    """Every non-empty row of the sheet (or CSV), the header row included, as stripped text."""
    max_rows = _limit("MOTIVA_IMPORT_MAX_ROWS", 2_000_000)
    if source.format == "csv":
        return _csv_rows(source, max_rows)
    return _xlsx_rows(source, sheet, max_rows)


def _too_many_rows(where: tuple[str, str], limit: int) -> FileRefused:
    return _refuse_at(
        "file_too_many_rows",
        where,
        f"строк больше предела ({limit}): разделите файл на части.",
        f"more rows than the limit ({limit}): split the file.",
    )


def _csv_rows(source: SourceFile, max_rows: int) -> Iterator[SheetRow]:
    encoding = source.encoding or _scan_text(source.path)[1]
    delimiter = source.delimiter or _detect_delimiter(source.path, encoding)
    width = 0
    count = 0
    with source.path.open("r", encoding=encoding, newline="") as handle:
        lines = (line.translate(_SPACES) if "\xa0" in line or "\u202f" in line else line for line in handle)
        reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        line = 1
        try:
            for raw in reader:
                number = line
                line = reader.line_num + 1
                cells = [cell.strip() for cell in raw]
                if not cells or not cells[-1]:
                    while cells and not cells[-1]:
                        cells.pop()
                    if not cells:
                        continue
                count += 1
                if count > max_rows:
                    raise _too_many_rows(_place("", number), max_rows)
                if len(cells) > width:
                    if not width:
                        width = len(cells)
                    else:
                        raise _refuse_at(
                            "file_extra_cells",
                            _place("", number, width),
                            f"в строке больше значений ({len(cells)}), чем столбцов в заголовке ({width}): проверьте"
                            " разделители и кавычки.",
                            f"the row has more values ({len(cells)}) than the header has columns ({width}): check"
                            " the separators and quotes.",
                        )
                yield _row("", number, tuple(cells))
        except csv.Error:
            raise _refuse_at(
                "file_csv_broken",
                _place("", reader.line_num or line),
                "нарушены кавычки CSV (незакрытая или лишняя кавычка).",
                "broken CSV quoting (an unclosed or stray quote).",
            ) from None
        except UnicodeDecodeError:
            raise _refuse(
                "file_encoding",
                "Кодировка файла не распознана: сохраните его как «CSV UTF-8».",
                "The file's encoding is not recognised: save it as “CSV UTF-8”.",
            ) from None


# -------------------------------------------------------------------------------------------- XLSX

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_INSTRUCTION_SHEETS = re.compile(r"(?i)^\s*(инструкц|instruction|readme|справка|help|описание)")
_DATE_FORMAT_IDS = {14, 15, 16, 17, 22, 27, 30, 36, 50, 57}
_TIME_FORMAT_IDS = {18, 19, 20, 21, 45, 46, 47}


def _format_kind(code: str) -> str:
    """ "date", "datetime", "time" or "" for a custom number format code."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code.split(";")[0])
    elapsed = re.search(r"\[(h+|m+|s+)\]", code, re.I)
    code = re.sub(r"\[[^\]]*\]", "", code).lower()
    has_date = bool(re.search(r"[dy]", code)) or (
        "m" in code and not re.search(r"[hs]", code) and "0" not in code
    )
    has_time = bool(re.search(r"[hs]", code)) or bool(elapsed)
    if has_date and has_time:
        return "datetime"
    if has_date:
        return "date"
    if has_time and not re.search(r"[0#?]", re.sub(r"s+\.0+", "", code)):
        return "time"
    return ""


class _Workbook:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.main = "xl/workbook.xml"
        for part, content_type in _content_types(archive):
            if content_type == _SHEET_MAIN:
                self.main = part.lstrip("/")
        folder = self.main.rpartition("/")[0]
        self.sheets: list[tuple[str, str, str]] = []  # (name, state, part)
        self.date1904 = False
        relations = self._relations(self.main)
        rids: list[tuple[str, str, str]] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            local = name.rpartition("}")[2]
            if local == "sheet":
                rids.append(
                    (attrs.get("name", ""), attrs.get("state", "visible"), attrs.get(_REL_NS + "}id", ""))
                )
            elif local == "workbookPr":
                self.date1904 = attrs.get("date1904", "0").lower() in ("1", "true")

        _parse_part(archive, self.main, start, None, None)
        for sheet_name, state, rid in rids:
            target = relations.get(rid, ("", ""))[1]
            if target:
                self.sheets.append((sheet_name, state, target))
        self.shared_part = self.styles_part = ""
        for kind, target in relations.values():
            if kind.endswith("/sharedStrings"):
                self.shared_part = target
            elif kind.endswith("/styles"):
                self.styles_part = target
        del folder

    def _relations(self, part: str) -> dict[str, tuple[str, str]]:
        folder, _, file = part.rpartition("/")
        rels = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
        found: dict[str, tuple[str, str]] = {}
        if rels not in self.archive.namelist():
            return found

        def start(name: str, attrs: dict[str, str]) -> None:
            if name.endswith("}Relationship") and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                if target.startswith("/"):
                    target = target[1:]
                else:
                    parts = (folder.split("/") if folder else []) + target.split("/")
                    resolved: list[str] = []
                    for piece in parts:
                        if piece == "..":
                            if resolved:
                                resolved.pop()
                        elif piece and piece != ".":
                            resolved.append(piece)
                    target = "/".join(resolved)
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

        _parse_part(self.archive, rels, start, None, None)
        return found

    def shared_strings(self) -> list[str]:
        if not self.shared_part:
            return []
        strings: list[str] = []
        parts: list[str] = []
        state = {"in_t": False, "skip": 0}
        append = parts.append

        def start(name: str, attrs: dict[str, str]) -> None:
            local = name.rpartition("}")[2]
            if local == "t":
                state["in_t"] = True
            elif local in ("rPh", "phoneticPr"):
                state["skip"] += 1
            elif local == "si":
                parts.clear()

        def end(name: str) -> None:
            local = name.rpartition("}")[2]
            if local == "t":
                state["in_t"] = False
            elif local in ("rPh", "phoneticPr"):
                state["skip"] -= 1
            elif local == "si":
                strings.append(_clean("".join(parts)))

        def data(text: str) -> None:
            if state["in_t"] and not state["skip"]:
                append(text)

        _parse_part(self.archive, self.shared_part, start, end, data)
        return strings

    def date_styles(self) -> dict[int, str]:
        """Cell style index -> "date" | "datetime" | "time" for the styles that show a date or time."""
        if not self.styles_part:
            return {}
        formats: dict[int, str] = {}
        xf_formats: list[int] = []
        depth = {"cellXfs": False}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = name.rpartition("}")[2]
            if local == "numFmt":
                number = attrs.get("numFmtId", "")
                if number.isdigit():
                    formats[int(number)] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                depth["cellXfs"] = True
            elif local == "xf" and depth["cellXfs"]:
                try:
                    xf_formats.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    xf_formats.append(0)

        def end(name: str) -> None:
            if name.endswith("}cellXfs"):
                depth["cellXfs"] = False

        _parse_part(self.archive, self.styles_part, start, end, None)
        kinds: dict[int, str] = {}
        for index, format_id in enumerate(xf_formats):
            if format_id in formats:
                kind = _format_kind(formats[format_id])
            elif format_id in _DATE_FORMAT_IDS:
                kind = "datetime" if format_id == 22 else "date"
            elif format_id in _TIME_FORMAT_IDS:
                kind = "time"
            else:
                kind = ""
            if kind:
                kinds[index] = kind
        return kinds


def _choose_sheet(book: _Workbook, sheet: str | None, name: str) -> tuple[str, str]:
    if sheet is not None:
        for title, _state, part in book.sheets:
            if title == sheet:
                return title, part
        raise _refuse(
            "file_no_sheet",
            "В книге нет листа «{sheet}».",
            "The workbook has no sheet “{sheet}”.",
            sheet=sheet,
        )
    for title, state, part in book.sheets:
        if state == "visible" and not _INSTRUCTION_SHEETS.match(title):
            return title, part
    raise _refuse(
        "file_no_sheet",
        "В книге нет видимого листа с данными.",
        "The workbook has no visible data sheet.",
    )


def _xlsx_rows(source: SourceFile, sheet: str | None, max_rows: int) -> Iterator[SheetRow]:
    try:
        archive = zipfile.ZipFile(source.path)
    except (zipfile.BadZipFile, OSError):
        raise _not_xlsx(b"") from None
    with archive:
        book = _Workbook(archive)
        title, part = _choose_sheet(book, sheet, source.name)
        strings = book.shared_strings()
        styles = book.date_styles()
        reader = _SheetReader(archive, part, title, strings, styles, book.date1904, max_rows)
        if _plain_layout(archive, part):
            yield from _FastSheetReader(reader).rows()
        else:
            yield from reader.rows()


# The fast path. Excel, LibreOffice and openpyxl write a worksheet in one plain shape: UTF-8, no DTD, no
# comments or CDATA, unprefixed elements of the main namespace. Such a part is first checked whole by the safe
# expat parser (well-formed, no DTD or entities), then its rows are cut out with regular expressions over
# the bytes — far fewer Python calls than one per XML event. Any other shape is read by _SheetReader.
_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:<\?xml\s[^>]*?\?>)?\s*<worksheet\s[^>]*?"
    rb"xmlns\s*=\s*[\"'](http://schemas\.openxmlformats\.org/spreadsheetml/2006/main|"
    rb"http://purl\.oclc\.org/ooxml/spreadsheetml/main)[\"'][^>]*>"
)
_DECLARED_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?encoding\s*=\s*[\"']([\w.-]+)")


def _plain_layout(archive: zipfile.ZipFile, part: str) -> bool:
    """Check the whole part with the safe parser; True when its sheetData has the plain shape."""
    parser = _safe_parser()
    plain = True
    inside = False
    tail = b""
    first = True
    with _open_part(archive, part) as stream:
        try:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
                if not plain:
                    continue
                if first:
                    first = False
                    declared = _DECLARED_ENCODING.match(chunk)
                    root = _ROOT.match(chunk)
                    if (
                        (declared and declared.group(1).lower() not in (b"utf-8", b"utf8"))
                        or not root
                        or root.group(0).count(root.group(1)) != 1
                    ):
                        plain = False
                        continue
                text = tail + chunk
                if not inside:
                    at = text.find(b"<sheetData")
                    if at < 0:
                        tail = text[-16:]
                        continue
                    inside = True
                    text = text[at:]
                end = text.find(b"</sheetData>")
                region = text if end < 0 else text[:end]
                if b"<!" in region or b"<?" in region or b"xmlns" in region:
                    plain = False
                tail = text[-40:]
            parser.Parse(b"", True)
        except FileRefused:
            raise
        except (expat.ExpatError, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as error:
            raise _xml_refusal(part, error) from None
        except (zipfile.BadZipFile, OSError, EOFError):
            raise _xml_refusal(part, ValueError()) from None
    return plain


_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_ROW_NUMBER = re.compile(rb'\s+r\s*=\s*["\'](\d+)["\']')
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?(?:/>|>(?:<v>([^<&]*)</v>|'
    rb'<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>|<v\s*/>")
_TEXT_RUN = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>|<t\s*/>")
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>|<phoneticPr\b[^>]*>", re.S)
_FORMULA = re.compile(rb"<f[\s/>]")
_REFERENCE = re.compile(rb"&(#x[0-9A-Fa-f]+|#\d+|amp|lt|gt|quot|apos);")
_NAMED = {b"amp": "&", b"lt": "<", b"gt": ">", b"quot": '"', b"apos": "'"}
_PLAIN_NUMBER = re.compile(rb"-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?")


def _rows_in(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(attributes, content) of each <row> in a block of whole rows; a split on </row> is much faster than a
    lazy regular expression across the row."""
    parts = block.split(b"</row>")
    rest = parts.pop()
    for part in parts:
        at = part.find(b"<row")
        if at >= 0 and part[at + 4 : at + 5] in (b" ", b">") and part.find(b"<row", at + 4) < 0:
            end = part.find(b">", at)
            yield part[at + 4 : end], part[end + 1 :]
        else:
            for match in _ROW.finditer(part + b"</row>"):
                yield match.group(1), match.group(2)
    if b"<row" in rest:
        for match in _ROW.finditer(rest):
            yield match.group(1), match.group(2)


def _reference(match: re.Match) -> str:
    name = match.group(1)
    if name[:1] == b"#":
        return chr(int(name[2:], 16) if name[1:2] in (b"x", b"X") else int(name[1:]))
    return _NAMED[name]


def _xml_text(raw: bytes) -> str:
    if b"&" in raw:
        return _REFERENCE.sub(lambda m: _reference(m).encode("utf-8"), raw).decode("utf-8")
    return raw.decode("utf-8")


class _FastSheetReader:
    def __init__(self, reader: _SheetReader) -> None:
        self.reader = reader
        self.inline_texts: dict[bytes, str] = {}

    def rows(self) -> Iterator[SheetRow]:
        reader = self.reader
        title = reader.title
        strings = reader.strings
        styles = {str(index).encode(): kind for index, kind in reader.styles.items()}
        max_rows = reader.max_rows
        columns: dict[bytes, int] = {}
        dates: dict[bytes, str] = {}
        plain_number = _PLAIN_NUMBER.fullmatch
        fast_cells = _FAST_CELL.findall
        count = 0
        width = 0
        previous = 0
        buffer = b""
        with _open_part(reader.archive, reader.part) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if chunk:
                    buffer += chunk
                    cut = buffer.rfind(b"</row>")
                    if cut < 0:
                        continue
                    cut += 6
                    block, buffer = buffer[:cut], buffer[cut:]
                else:
                    block, buffer = buffer, b""
                for attributes, content in _rows_in(block):
                    numbered = _ROW_NUMBER.match(attributes)
                    number = int(numbered.group(1)) if numbered else previous + 1
                    previous = number
                    if not content:
                        continue
                    if b"<row" in content:
                        raise _xml_refusal(reader.part, ValueError())
                    found = fast_cells(content)
                    if len(found) != content.count(b"<c"):
                        found = self._slow_cells(content, number)
                    cells: list[str] = []
                    for letters, style, kind, value, inline in found:
                        if kind == b"s":
                            try:
                                text = strings[int(value)] if value else ""
                            except IndexError:
                                raise reader._refuse(
                                    "file_xml_broken",
                                    number,
                                    _column_index(letters.decode("ascii")),
                                    "неверная ссылка на строку.",
                                    "a broken shared-string reference.",
                                ) from None
                        elif not kind or kind == b"n":
                            if not value:
                                text = ""
                            elif style and style in styles:
                                key = style + b"|" + value
                                text = dates.get(key)
                                if text is None:
                                    if len(dates) > 100_000:
                                        dates.clear()
                                    text = dates[key] = reader._number(
                                        value.decode("ascii", "replace"), styles[style]
                                    )
                            elif plain_number(value):
                                text = value.decode("ascii")
                            else:
                                text = reader._number(value.decode("ascii", "replace"), None)
                        else:
                            text = self._other(kind, value, inline, number, letters)
                        col = columns.get(letters)
                        if col is None:
                            col = columns[letters] = _column_index(letters.decode("ascii"))
                        if col != len(cells):
                            if col < len(cells):
                                raise _xml_refusal(reader.part, ValueError())
                            cells.extend([""] * (col - len(cells)))
                        cells.append(text)
                    while cells and not cells[-1]:
                        cells.pop()
                    if not cells:
                        continue
                    count += 1
                    if count > max_rows:
                        raise _too_many_rows(_place(title, number), max_rows)
                    if len(cells) > width:
                        if width:
                            raise reader._refuse(
                                "file_extra_cells",
                                number,
                                len(cells) - 1,
                                "значение в столбце без заголовка: добавьте заголовок или удалите значение.",
                                "a value in a column without a header: add the header or remove the value.",
                            )
                        width = len(cells)
                    yield _row(title, number, tuple(cells))
                if not chunk:
                    break

    def _other(self, kind: bytes, value: bytes, inline: bytes, number: int, letters: bytes) -> str:
        if kind == b"inlineStr":
            # Columns repeat their texts (a scope, an indicator's code): each distinct one is decoded
            # once. openpyxl writes non-ASCII letters as character references, nine a word: decoding
            # them was half the reading time of such a file.
            text = self.inline_texts.get(inline)
            if text is None:
                if len(self.inline_texts) > 100_000:
                    self.inline_texts.clear()
                text = self.inline_texts[inline] = _clean(_xml_text(inline))
            return text
        if kind == b"b":
            return "1" if value.strip() in (b"1", b"true") else "0"
        if kind == b"e":
            shown = _xml_text(value)
            raise self.reader._refuse(
                "file_error_cell",
                number,
                _column_index(letters.decode("ascii")),
                f"ячейка содержит ошибку Excel «{shown}»: исправьте её и вставьте значения.",
                f"the cell holds the Excel error “{shown}”: fix it and paste values.",
            )
        if kind == b"d":
            return _clean(_xml_text(value))[:10]
        return _clean(_xml_text(value))

    def _slow_cells(self, content: bytes, number: int) -> list[tuple[bytes, bytes, bytes, bytes, bytes]]:
        """Cells of one row in any attribute order and spacing; refuses formulas."""
        found = []
        position = -1
        for match in _CELL.finditer(content):
            attributes = {
                m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
                for m in _ATTRIBUTE.finditer(match.group(1))
            }
            ref = attributes.get(b"r")
            if ref is not None:
                letters = ref.rstrip(b"0123456789")
                position = _column_index(letters.decode("ascii"))
            else:
                position += 1
                letters = column_letter(position).encode()
            inner = match.group(2) or b""
            if _FORMULA.search(inner):
                raise self.reader._refuse(
                    "file_formula",
                    number,
                    position,
                    "формулы не принимаются: вставьте значения (Специальная вставка → Значения).",
                    "formulas are not accepted: paste values instead (Paste Special → Values).",
                )
            kind = attributes.get(b"t", b"n")
            value = inline = b""
            if kind == b"inlineStr":
                inner = _PHONETIC.sub(b"", inner)
                inline = b"".join(m.group(1) or b"" for m in _TEXT_RUN.finditer(inner))
            else:
                found_value = _VALUE.search(inner)
                value = (found_value.group(1) or b"") if found_value else b""
                if kind not in (b"n", b"s", b"b", b"e", b"d"):
                    value = value  # "str" and unknown types: text
            found.append(
                (letters, attributes.get(b"s", b""), kind, value.strip() if kind != b"str" else value, inline)
            )
        if content.count(b"<c") != len(found):
            raise _xml_refusal(self.reader.part, ValueError())
        return found


_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)


class _SheetReader:
    """Streams one worksheet's XML with expat; each callback does as little as it can."""

    def __init__(self, archive, part, title, strings, styles, date1904, max_rows) -> None:
        self.archive = archive
        self.part = part
        self.title = title
        self.strings = strings
        self.styles = styles
        self.date1904 = date1904
        self.max_rows = max_rows

    def rows(self) -> Iterator[SheetRow]:
        title = self.title
        strings = self.strings
        styles = self.styles
        n_strings = len(strings)
        out: list[SheetRow] = []
        cells: dict[int, str] = {}
        columns: dict[str, int] = {}
        st = {
            "row": 0,
            "col": -1,
            "type": "n",
            "style": None,
            "text": None,
            "inline": False,
            "count": 0,
            "on": False,
        }
        ns = ""
        width = [0]
        refuse = self._refuse

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal ns, C, V, ROW, F, IS, T
            if name == C:
                ref = attrs.get("r")
                if ref is not None:
                    letters = ref.rstrip("0123456789")
                    col = columns.get(letters)
                    if col is None:
                        col = columns[letters] = _column_index(letters)
                    st["col"] = col
                else:
                    st["col"] += 1
                st["type"] = attrs.get("t", "n")
                st["style"] = attrs.get("s")
                st["text"] = None
            elif name == V:
                st["text"] = ""
                st["on"] = True
            elif name == ROW:
                ref = attrs.get("r")
                st["row"] = int(ref) if ref is not None else st["row"] + 1
                st["col"] = -1
                cells.clear()
            elif name == F:
                raise refuse(
                    "file_formula",
                    st["row"],
                    st["col"],
                    "формулы не принимаются: вставьте значения (Специальная вставка → Значения).",
                    "formulas are not accepted: paste values instead (Paste Special → Values).",
                )
            elif name == IS:
                st["inline"] = True
                st["text"] = ""
            elif name == T:
                st["on"] = st["inline"]
            elif ns == "":
                space = name.rpartition("}")[0]
                if space in _MAIN_NAMESPACES:
                    ns = space
                    C, V, ROW, F, IS, T = (f"{space}}}{local}" for local in ("c", "v", "row", "f", "is", "t"))

        C = V = ROW = F = IS = T = "\x00"

        def data(text: str) -> None:
            if st["on"]:
                st["text"] += text

        def end(name: str) -> None:
            if name == C:
                text = st["text"]
                if text is None:
                    return
                kind = st["type"]
                if kind == "s":
                    try:
                        index = int(text)
                    except ValueError:
                        index = -1
                    if not 0 <= index < n_strings:
                        raise refuse(
                            "file_xml_broken",
                            st["row"],
                            st["col"],
                            "неверная ссылка на строку.",
                            "a broken shared-string reference.",
                        )
                    value = strings[index]
                elif kind == "n":
                    style = st["style"]
                    date_kind = styles.get(int(style)) if style is not None and styles else None
                    value = self._number(text, date_kind)
                elif kind == "inlineStr" or kind == "str":
                    value = _clean(text)
                elif kind == "b":
                    value = "1" if text.strip() in ("1", "true") else "0"
                elif kind == "e":
                    raise refuse(
                        "file_error_cell",
                        st["row"],
                        st["col"],
                        f"ячейка содержит ошибку Excel «{text}»: исправьте её и вставьте значения.",
                        f"the cell holds the Excel error “{text}”: fix it and paste values.",
                    )
                elif kind == "d":
                    value = _clean(text)[:10]
                else:
                    value = _clean(text)
                if value:
                    cells[st["col"]] = value
                st["text"] = None
                st["inline"] = False
            elif name == ROW:
                if not cells:
                    return
                st["count"] += 1
                if st["count"] > self.max_rows:
                    raise _too_many_rows(_place(title, st["row"]), self.max_rows)
                last = max(cells)
                if not width[0]:
                    width[0] = last + 1
                elif last >= width[0]:
                    raise refuse(
                        "file_extra_cells",
                        st["row"],
                        last,
                        "значение в столбце без заголовка: добавьте заголовок или удалите значение.",
                        "a value in a column without a header: add the header or remove the value.",
                    )
                if len(cells) == last + 1 and last < 8:
                    row = tuple(cells[index] for index in range(last + 1))
                else:
                    row = tuple(cells.get(index, "") for index in range(last + 1))
                out.append(SheetRow(title, st["row"], row))
                cells.clear()
            elif name in (V, T):
                st["on"] = False
            elif name == IS:
                st["inline"] = False

        parser = _safe_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        with _open_part(self.archive, self.part) as stream:
            try:
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
                    if out:
                        yield from out
                        out.clear()
                parser.Parse(b"", True)
            except FileRefused:
                raise
            except (expat.ExpatError, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as error:
                raise _xml_refusal(self.part, error) from None
            except (zipfile.BadZipFile, OSError, EOFError):
                raise _xml_refusal(self.part, ValueError()) from None
        yield from out

    def _refuse(self, code: str, row: int, column: int, ru: str, en: str) -> FileRefused:
        return _refuse_at(code, _place(self.title, row, max(column, 0)), ru, en)

    def _number(self, text: str, date_kind: str | None) -> str:
        text = text.strip()
        if not date_kind and (text.isdigit() or (text[:1] == "-" and text[1:].isdigit())):
            return text
        try:
            number = Decimal(text)
        except InvalidOperation:
            return _clean(text)
        if not number.is_finite() or abs(number.adjusted()) > 400:
            return _clean(text)
        if date_kind:
            return self._date(number, date_kind, text)
        written = format(number, "f")
        if "." in written:
            written = written.rstrip("0").rstrip(".")
        return "0" if written in ("-0", "") else written

    def _date(self, number: Decimal, kind: str, text: str) -> str:
        if kind == "time" and 0 <= number < 1:
            seconds = int((number * 86400).to_integral_value())
            return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        if not 0 < number < 2958466:
            return text
        days = int(number)
        if self.date1904:
            day = _EPOCH_1904 + timedelta(days=days)
        elif days < 60:
            day = date(1899, 12, 31) + timedelta(days=days)
        elif days == 60:
            return (
                "1900-02-29"  # Excel's leap-year bug: a day that never was; the importer refuses it as a date
            )
        else:
            day = _EPOCH_1900 + timedelta(days=days)
        fraction = number - days
        if kind == "datetime" and fraction:
            seconds = int((fraction * 86400).to_integral_value())
            if seconds >= 86400:
                day, seconds = day + timedelta(days=1), 0
            return f"{day.isoformat()} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        return day.isoformat()

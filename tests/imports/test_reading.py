"""Safe reading of uploaded files: hostile files refused before they can hurt, every cell read as text.

Every fixture is built here (zipfile, openpyxl, bytes); no binary file is committed.
"""

from __future__ import annotations

import datetime
import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from motiva.imports.reading import FileRefused, SheetRow, column_letter, inspect, read_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
HIDDEN = ' state="hidden"'
DATE1904 = '<workbookPr date1904="1"/>'


def content_types(main: str = SHEET_MAIN, extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{main}"/>{extra}</Types>'
    )


def build_xlsx(
    path: Path,
    sheets: list[tuple[str, str]],
    *,
    shared: list[str] = (),
    styles: str = "",
    date1904: bool = False,
    main: str = SHEET_MAIN,
    extra_parts: dict[str, bytes] | None = None,
    hidden: tuple[str, ...] = (),
) -> Path:
    """A workbook from raw sheet XML (the <sheetData> content)."""
    sheet_tags = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"{HIDDEN if name in hidden else ""}/>'
        for i, (name, _data) in enumerate(sheets)
    )
    relations = "".join(
        f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(sheets))
    )
    relations += (
        '<Relationship Id="rS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/>'
        '<Relationship Id="rT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'styles" Target="styles.xml"/>'
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"{DATE1904 if date1904 else ''}<sheets>{sheet_tags}</sheets></workbook>"
    )
    strings = "".join(f"<si><t>{text}</t></si>" for text in shared)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types(main))
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{relations}</Relationships>',
        )
        archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{MAIN}">{strings}</sst>')
        archive.writestr(
            "xl/styles.xml",
            styles
            or f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs><xf numFmtId="0"/></cellXfs>'
            "</styleSheet>",
        )
        for i, (_name, data) in enumerate(sheets):
            archive.writestr(
                f"xl/worksheets/sheet{i + 1}.xml",
                data
                if data.startswith("<?xml") or data.startswith("<!")
                else f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{data}'
                "</sheetData></worksheet>",
            )
        for name, payload in (extra_parts or {}).items():
            archive.writestr(name, payload)
    return path


def rows(path: Path, name: str | None = None, sheet: str | None = None) -> list[SheetRow]:
    return list(read_rows(inspect(path, name or path.name), sheet))


def cells(path: Path, **kwargs) -> list[tuple[str, ...]]:
    return [row.cells for row in rows(path, **kwargs)]


def refused(call) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        call()
    return caught.value


def messages(error: FileRefused) -> tuple[str, str]:
    return error.problems[0].render("ru"), error.problems[0].render("en")


# ------------------------------------------------------------------------------------------------ CSV


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [
        ("utf-8", ";"),
        ("utf-8-sig", ";"),
        ("cp1251", ";"),
        ("utf-8", ","),
        ("cp1251", "\t"),
        ("utf-8-sig", ","),
    ],
)
def test_csv_text_in_each_encoding_and_separator(tmp_path, encoding, separator):
    lines = [
        ["Табельный номер", "Показатель", "Значение"],
        ["007", "Выручка", "1,5" if separator != "," else '"1,5"'],
        ["00123", "Маржа «Юг»", "  12 000  "],
    ]
    body = "\r\n".join(separator.join(line) for line in lines) + "\r\n"
    path = tmp_path / "facts.csv"
    path.write_bytes(body.encode(encoding))
    source = inspect(path, "facts.csv")
    assert source.format == "csv"
    assert source.delimiter == separator
    assert source.encoding == ("cp1251" if encoding == "cp1251" else "utf-8-sig")
    got = list(read_rows(source))
    assert [row.cells for row in got] == [
        ("Табельный номер", "Показатель", "Значение"),
        ("007", "Выручка", "1,5"),
        ("00123", "Маржа «Юг»", "12 000"),
    ]
    assert [row.number for row in got] == [1, 2, 3]
    assert all(row.sheet == "" for row in got)


def test_csv_quoted_newlines_keep_line_numbers_and_skip_empty_lines(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('code;comment\nA;"first\nsecond\nthird"\n\n;\nB;x\xa0y\n', encoding="utf-8")
    got = rows(path)
    assert [(row.number, row.cells) for row in got] == [
        (1, ("code", "comment")),
        (2, ("A", "first\nsecond\nthird")),
        (7, ("B", "x y")),
    ]


def test_csv_sha256_and_size(tmp_path):
    import hashlib

    path = tmp_path / "a.csv"
    path.write_bytes(b"a;b\n1;2\n")
    source = inspect(path, "a.csv")
    assert source.sha256 == hashlib.sha256(b"a;b\n1;2\n").hexdigest()
    assert source.size == 8


def test_csv_row_with_more_cells_than_the_header_is_refused_with_its_place(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a;b\n1;2\n1;2;3\n", encoding="utf-8")
    error = refused(lambda: rows(path))
    assert error.problems[0].code == "file_extra_cells"
    ru, en = messages(error)
    assert "Строка 3, столбец C" in ru and "Row 3, column C" in en
    # Trailing empty cells are not values: accepted.
    path.write_text("a;b\n1;2;;\n", encoding="utf-8")
    assert cells(path) == [("a", "b"), ("1", "2")]


def test_csv_broken_quotes_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('a;b\n1;"2"x\n', encoding="utf-8")
    assert refused(lambda: rows(path)).problems[0].code == "file_csv_broken"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"a;b\n1;\x002\n", "file_binary"),
        (b"MZ\x90\x00\x03rest of a program", "file_disguised"),
        (b"\x7fELF\x02\x01\x01", "file_disguised"),
        (b"\xff\xfea\x00;\x00b\x00", "file_encoding"),
        (b"PK\x03\x04zipped", "file_disguised"),
        (b"", "file_empty"),
        (b"\n\n  \n", "file_empty"),
    ],
)
def test_csv_binary_or_empty_refused(tmp_path, payload, code):
    path = tmp_path / "a.csv"
    path.write_bytes(payload)
    error = refused(lambda: inspect(path, "a.csv"))
    assert error.problems[0].code == code
    assert error.problems[0].field == "file"


# ----------------------------------------------------------------------------------------------- XLSX


def test_xlsx_numbers_are_exact_text_and_strings_stay_text(tmp_path):
    data = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
        '<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>5</v></c><c r="B2"><v>0.1</v></c><c r="C2"><v>1E-3</v></c>'
        '<c r="D2" t="inlineStr"><is><t>1,5</t></is></c><c r="E2" t="b"><v>1</v></c></row>'
        '<row r="4"><c r="A4" t="s"><v>6</v></c><c r="B4"><v>12345678901234567890</v></c>'
        '<c r="C4"><v>-2.5E+3</v></c><c r="D4" t="str"><v> x </v></c><c r="E4" t="b"><v>0</v></c></row>'
    )
    path = build_xlsx(
        tmp_path / "n.xlsx",
        [("Факты", data)],
        shared=["tab", "a", "b", "c", "d", "007", "\u00a0000123\u00a0"],
    )
    got = rows(path)
    assert [(row.sheet, row.number) for row in got] == [("Факты", 1), ("Факты", 2), ("Факты", 4)]
    assert [row.cells for row in got] == [
        ("tab", "a", "b", "c", "d"),
        ("007", "0.1", "0.001", "1,5", "1"),
        ("000123", "12345678901234567890", "-2500", "x", "0"),
    ]


def test_xlsx_dates_in_both_date_systems_and_custom_formats(tmp_path):
    styles = (
        f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><numFmts>'
        '<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/><numFmt numFmtId="165" formatCode="hh:mm"/>'
        '<numFmt numFmtId="166" formatCode="0.00"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/>'
        '<xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/></cellXfs></styleSheet>'
    )
    data = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c><c r="B1" t="inlineStr"><is><t>h</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>h</t></is></c><c r="D1" t="inlineStr"><is><t>h</t></is></c></row>'
        '<row r="2"><c r="A2" s="1"><v>46082</v></c><c r="B2" s="2"><v>45658</v></c>'
        '<c r="C2" s="3"><v>0.5</v></c><c r="D2" s="4"><v>46082</v></c></row>'
    )
    path = build_xlsx(tmp_path / "d.xlsx", [("Данные", data)], styles=styles)
    assert cells(path)[1] == ("2026-03-01", "2025-01-01", "12:00:00", "46082")
    path = build_xlsx(tmp_path / "d1904.xlsx", [("Данные", data)], styles=styles, date1904=True)
    assert cells(path)[1][0] == "2030-03-02"


def test_openpyxl_written_workbook_reads_as_the_user_typed_it(tmp_path):
    book = openpyxl.Workbook()
    instructions = book.active
    instructions.title = "Инструкция"
    instructions.append(["Заполните лист «Факты»"])
    facts = book.create_sheet("Факты")
    facts.append(["Табельный номер", "Код", "Значение", "Дата", "Флаг"])
    facts.append(["007", "SALES", 0.1, datetime.date(2026, 3, 1), True])
    facts.append(["00123", "=not a formula?", 1234567.891, datetime.datetime(2026, 3, 1, 0, 0), False])
    facts.append([None, None, None, None, None])
    facts.append(["9", " трим ", 5, None, None])
    facts["B3"].data_type = "s"
    path = tmp_path / "book.xlsx"
    book.save(path)
    got = rows(path)
    assert [row.number for row in got] == [1, 2, 3, 5]
    assert got[0].sheet == "Факты"
    assert got[1].cells == ("007", "SALES", "0.1", "2026-03-01", "1")
    assert got[2].cells == ("00123", "=not a formula?", "1234567.891", "2026-03-01", "0")
    assert got[3].cells == ("9", "трим", "5")
    # The instructions sheet can still be asked for by name.
    assert [row.cells for row in rows(path, sheet="Инструкция")] == [("Заполните лист «Факты»",)]
    assert refused(lambda: rows(path, sheet="Нет такого")).problems[0].code == "file_no_sheet"


def test_sheet_choice_skips_instructions_and_hidden_sheets(tmp_path):
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row>'
    path = build_xlsx(
        tmp_path / "s.xlsx",
        [("Instructions", row.format("i")), ("Скрытый", row.format("h")), ("Плановые", row.format("p"))],
        hidden=("Скрытый",),
    )
    assert cells(path) == [("p",)]


def test_xlsx_slow_path_reads_unusual_but_valid_xml(tmp_path):
    """Prefixes, comments, attribute order and spacing the fast path does not take."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="' + MAIN + '"><!-- made by a script -->'
        '<x:sheetData><x:row r="1"><x:c t="inlineStr" r="A1"><x:is>\n <x:r><x:t>a</x:t></x:r>\n <x:r><x:t>b</x:t>'
        '</x:r></x:is></x:c><x:c r="B1" t="s" ><x:v>0</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2">\n <x:v>0.250</x:v>\n</x:c><x:c r="B2" t="inlineStr"><x:is><x:t>&amp;&#1071;'
        "</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>"
    )
    path = build_xlsx(tmp_path / "p.xlsx", [("Лист1", sheet)], shared=["s"])
    assert cells(path) == [("ab", "s"), ("0.25", "&Я")]


def test_fast_path_handles_spacing_rich_text_and_gaps(tmp_path):
    data = (
        '<row r="1" spans="1:3"><c r="A1" t="inlineStr"><is><r><t>x</t></r><r><t>y</t></r></is></c>'
        '<c r="C1" t="s"><v>0</v></c></row><row r="2"/><row r="3"><c r="A3" s="0"/><c r="C3"><v>7</v></c></row>'
    )
    path = build_xlsx(tmp_path / "g.xlsx", [("Лист1", data)], shared=["z"])
    assert [(row.number, row.cells) for row in rows(path)] == [(1, ("xy", "", "z")), (3, ("", "", "7"))]


def test_xlsx_value_beyond_the_header_refused(tmp_path):
    data = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c><c r="D2"><v>2</v></c></row>'
    )
    path = build_xlsx(tmp_path / "w.xlsx", [("Лист1", data)])
    error = refused(lambda: rows(path))
    assert error.problems[0].code == "file_extra_cells"
    assert "Лист «Лист1», строка 2, столбец D" in messages(error)[0]


@pytest.mark.parametrize(
    "formula",
    [
        '<c r="B2"><f>1+1</f><v>2</v></c>',
        '<c r="B2" t="str"><f>A2&amp;"x"</f><v>7x</v></c>',
        '<c r="B2"><f t="shared" si="0"/><v>2</v></c>',
    ],
)
def test_formula_cell_refused_even_with_a_cached_value(tmp_path, formula):
    data = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c><c r="B1" t="inlineStr"><is><t>g</t></is></c>'
        f'</row><row r="2"><c r="A2"><v>1</v></c>{formula}</row>'
    )
    path = build_xlsx(tmp_path / "f.xlsx", [("Факты", data)])
    error = refused(lambda: rows(path))
    assert error.problems[0].code == "file_formula"
    ru, en = messages(error)
    assert "Лист «Факты», строка 2, столбец B" in ru and "формулы не принимаются: вставьте значения" in ru
    assert "Sheet “Факты”, row 2, column B" in en
    assert error.problems[0].field == "Лист «Факты», строка 2, столбец B"


def test_openpyxl_formula_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.active.append([1, "=A2*2"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    assert refused(lambda: rows(path)).problems[0].code == "file_formula"


def test_error_cell_refused(tmp_path):
    data = '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2" t="e"><v>#DIV/0!</v></c></row>'
    path = build_xlsx(tmp_path / "e.xlsx", [("Лист1", data)])
    error = refused(lambda: rows(path))
    assert error.problems[0].code == "file_error_cell"
    assert "#DIV/0!" in messages(error)[1] and "row 2, column A" in messages(error)[1]


# ------------------------------------------------------------------------------------- hostile XML

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
)


def test_billion_laughs_refused(tmp_path):
    sheet = LAUGHS + f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;'
    sheet += "</t></is></c></row></sheetData></worksheet>"
    path = build_xlsx(tmp_path / "b.xlsx", [("Лист1", sheet)])
    error = refused(lambda: rows(path))
    assert error.problems[0].code == "file_xml_entities"


def test_billion_laughs_in_shared_strings_refused(tmp_path):
    path = build_xlsx(
        tmp_path / "b.xlsx",
        [("Лист1", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>')],
        extra_parts={},
    )
    # Rewrite sharedStrings with an entity bomb.
    rebuilt = tmp_path / "b2.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(rebuilt, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = (LAUGHS + f'<sst xmlns="{MAIN}"><si><t>&lol4;</t></si></sst>').encode()
            new.writestr(info.filename, data)
    assert refused(lambda: rows(rebuilt)).problems[0].code == "file_xml_entities"


def test_external_entity_is_not_read(tmp_path):
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    path = build_xlsx(tmp_path / "x.xlsx", [("Лист1", sheet)])
    error = refused(lambda: rows(path))
    assert error.problems[0].code == "file_xml_entities"
    assert "root:" not in str(error)


def test_plain_dtd_refused(tmp_path):
    sheet = f'<?xml version="1.0"?><!DOCTYPE worksheet><worksheet xmlns="{MAIN}"><sheetData/></worksheet>'
    path = build_xlsx(tmp_path / "x.xlsx", [("Лист1", sheet)])
    assert refused(lambda: rows(path)).problems[0].code == "file_xml_entities"


def test_broken_xml_refused(tmp_path):
    sheet = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></row>'
    path = build_xlsx(tmp_path / "x.xlsx", [("Лист1", sheet)])
    assert refused(lambda: rows(path)).problems[0].code == "file_xml_broken"


# ------------------------------------------------------------------------------ hostile containers


def test_macro_extensions_refused(tmp_path):
    path = tmp_path / "a.xlsm"
    path.write_bytes(b"PK\x03\x04")
    for name in ("a.xlsm", "a.xltm", "a.xlsb"):
        error = refused(lambda name=name: inspect(path, name))
        assert error.problems[0].code == "file_macro"
    for name in ("a.xls", "a.ods", "a.txt", "noextension"):
        error = refused(lambda name=name: inspect(path, name))
        assert error.problems[0].code == "file_type"


def test_macro_content_type_refused(tmp_path):
    path = build_xlsx(tmp_path / "m.xlsx", [("Лист1", "")], main=MACRO_MAIN)
    error = refused(lambda: inspect(path, "m.xlsx"))
    assert error.problems[0].code == "file_macro"


@pytest.mark.parametrize(
    "part",
    ["xl/vbaProject.bin", "xl/activeX/activeX1.xml", "xl/embeddings/oleObject1.bin", "xl/media/run.exe"],
)
def test_macro_or_program_parts_refused(tmp_path, part):
    path = build_xlsx(tmp_path / "v.xlsx", [("Лист1", "")], extra_parts={part: b"\x00" * 10})
    error = refused(lambda: inspect(path, "v.xlsx"))
    assert error.problems[0].code == "file_macro"
    assert part in messages(error)[1]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "file_disguised"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "file_disguised"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "file_disguised"),
        ("Табельный номер;Значение\n007;1\n".encode(), "file_not_xlsx"),
    ],
)
def test_renamed_files_refused(tmp_path, payload, code):
    path = tmp_path / "data.xlsx"
    path.write_bytes(payload)
    error = refused(lambda: inspect(path, "data.xlsx"))
    assert error.problems[0].code == code
    assert error.problems[0].field == "file"


def test_a_zip_that_is_not_a_workbook_refused(tmp_path):
    path = tmp_path / "z.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused(lambda: inspect(path, "z.xlsx")).problems[0].code == "file_not_xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    assert refused(lambda: inspect(path, "z.xlsx")).problems[0].code == "file_broken_zip"


def test_zip_bomb_by_entry_count_refused_from_the_directory(tmp_path, settings):
    settings.MOTIVA_IMPORT_MAX_ENTRIES = 50
    path = build_xlsx(
        tmp_path / "many.xlsx", [("Лист1", "")], extra_parts={f"xl/x{i}.xml": b"" for i in range(60)}
    )
    error = refused(lambda: inspect(path, "many.xlsx"))
    assert error.problems[0].code == "file_zip_bomb"


def test_zip_bomb_by_unpacked_size_refused_before_unpacking(tmp_path):
    """A 200 MB sheet of zeros compresses to ~200 KB: refused from the central directory, fast, small memory."""
    path = tmp_path / "bomb.xlsx"
    build_xlsx(path, [("Лист1", "")])
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/bomb.xml", "w") as entry,
    ):
        block = b"0" * (1 << 20)
        for _ in range(200):
            entry.write(block)
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    started = time.perf_counter()
    error = refused(lambda: inspect(path, "bomb.xlsx"))
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert error.problems[0].code == "file_zip_bomb"
    assert elapsed < 2
    assert peak < 20_000_000


def test_zip_total_unpacked_size_limit(tmp_path, settings):
    settings.MOTIVA_IMPORT_MAX_UNPACKED = 100_000
    noise = bytes(range(256)) * 800  # hardly compressible, 204 800 bytes
    path = build_xlsx(tmp_path / "big.xlsx", [("Лист1", "")], extra_parts={"xl/media/image1.png": noise})
    assert refused(lambda: inspect(path, "big.xlsx")).problems[0].code == "file_zip_bomb"


def test_lying_central_directory_cannot_unpack_more_than_declared(tmp_path):
    """zipfile stops at the declared size, so a directory understating an entry's size cannot bomb."""
    path = tmp_path / "lie.xlsx"
    build_xlsx(path, [("Лист1", '<row r="1"><c r="A1"><v>1</v></c></row>')])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Patch the central directory's uncompressed size of the sheet down to 10 bytes.
    name = b"xl/worksheets/sheet1.xml"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[at + 24 : at + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert info.file_size > 10
    with pytest.raises(FileRefused):
        rows(path)


def test_size_limit(tmp_path, settings):
    settings.MOTIVA_IMPORT_MAX_BYTES = 1000
    path = tmp_path / "a.csv"
    path.write_bytes(b"a;b\n" + b"1;2\n" * 300)
    error = refused(lambda: inspect(path, "a.csv"))
    assert error.problems[0].code == "file_too_large"


def test_row_limit_counted_while_streaming(tmp_path, settings):
    settings.MOTIVA_IMPORT_MAX_ROWS = 3
    path = tmp_path / "a.csv"
    path.write_text("h\n1\n2\n3\n4\n", encoding="utf-8")
    source = inspect(path, "a.csv")
    seen = []
    with pytest.raises(FileRefused) as caught:
        for row in read_rows(source):
            seen.append(row.number)
    assert seen == [1, 2, 3]
    assert caught.value.problems[0].code == "file_too_many_rows"
    data = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 6))
    path = build_xlsx(tmp_path / "r.xlsx", [("Лист1", data)])
    assert refused(lambda: rows(path)).problems[0].code == "file_too_many_rows"


def test_empty_workbook_reads_no_rows_and_empty_file_refused(tmp_path):
    path = build_xlsx(tmp_path / "e.xlsx", [("Лист1", "")])
    assert rows(path) == []
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert refused(lambda: inspect(empty, "empty.xlsx")).problems[0].code == "file_empty"


def test_column_letter():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip

"""Reading an export back in tests: the rows of an XLSX or CSV download as lists of values."""

from __future__ import annotations

import io

from openpyxl import load_workbook


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response["Cache-Control"] == "no-store"
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode("utf-8-sig")
    return [line.split(";") for line in text.split("\r\n") if line]

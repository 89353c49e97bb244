"""Importers of each kind: E imports every module here so they register."""

from motiva.imports.kinds import (  # noqa: F401
    absences,
    card_lines,
    employees,
    grades,
    indicators,
    positions,
    templates,
    timesheets,
    units,
    values,
)

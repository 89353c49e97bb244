"""Importers of each kind: E imports every module here so they register."""

from motiva.imports.kinds import absences, grades, positions, timesheets, units, values  # noqa: F401

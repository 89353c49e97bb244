"""Importers of each kind: E imports every module here so they register."""

from motiva.imports.kinds import values  # noqa: F401  (plans and facts: helper C)

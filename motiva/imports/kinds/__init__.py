"""Importers of each kind: E imports every module here so they register."""

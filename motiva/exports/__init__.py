"""Exports: every table a user can see, as CSV and XLSX, through one renderer (`motiva.exports.tabular`)."""

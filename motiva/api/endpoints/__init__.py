"""The endpoints of /api/v1/ (issue 13): reads of the organization's structure, cards, periods, runs and
results, and the writes (plan and fact values in bulk, absences, timesheet hours, import job status).

Every endpoint reads through motiva.core.access exactly as the web page showing the same object does: an
object outside what the caller may see is answered 404; salary and pay fields are null where the caller
may not see pay."""

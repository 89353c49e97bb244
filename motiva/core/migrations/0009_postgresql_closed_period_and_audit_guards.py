"""PostgreSQL only: the database itself refuses what the services already refuse, so neither `update()`,
raw SQL nor a second program can change a closed period or the audit trail behind the log.

- Rows that belong to a closed period (its values, cards and their lines and scores, runs with their
  results, line results and signatures, adjustments, group corrections, timesheets): every INSERT,
  UPDATE and DELETE is refused. One check per statement (transition tables), not per row, so a run
  storing many thousand results pays one join.
- The period row: once closed it is neither changed nor deleted (the transition that closes it is an
  UPDATE of a period that was not closed yet, so it passes); no period is inserted already closed.
- The audit table: every UPDATE, DELETE and TRUNCATE is refused.

The triggers are ordinary ones, so a superuser session with `session_replication_role = replica`
skips them (a restore, the test suite's flush); the application's role cannot set that.
SQLite has no such triggers: the services' own checks (motiva.periods.guards) hold there."""

from django.db import migrations

# table → SQL giving the period id of a row `r` of it
PERIOD_OF = {
    "periods_indicatorvalue": "r.period_id",
    "kpi_card": "r.period_id",
    "kpi_cardline": "(SELECT c.period_id FROM kpi_card c WHERE c.id = r.card_id)",
    "kpi_componentscore": (
        "(SELECT c.period_id FROM kpi_cardline l JOIN kpi_card c ON c.id = l.card_id WHERE l.id = r.card_line_id)"
    ),
    "calc_calculationrun": "r.period_id",
    "calc_employeeresult": "(SELECT u.period_id FROM calc_calculationrun u WHERE u.id = r.run_id)",
    "calc_lineoutcome": "(SELECT u.period_id FROM calc_calculationrun u WHERE u.id = r.run_id)",
    "calc_runsignature": "(SELECT u.period_id FROM calc_calculationrun u WHERE u.id = r.run_id)",
    "calc_adjustment": "r.period_id",
    "calc_groupcorrection": "r.period_id",
    "worktime_timesheet": "r.period_id",
}

FUNCTIONS = """
CREATE OR REPLACE FUNCTION motiva_refuse_closed_period_rows() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    rows_name text;
    closed_id bigint;
BEGIN
    FOREACH rows_name IN ARRAY CASE TG_OP
        WHEN 'INSERT' THEN ARRAY['new_rows']
        WHEN 'DELETE' THEN ARRAY['old_rows']
        ELSE ARRAY['old_rows', 'new_rows'] END
    LOOP
        EXECUTE format(
            'SELECT p.id FROM %I r JOIN periods_period p ON p.id = %s WHERE p.status = %L LIMIT 1',
            rows_name, TG_ARGV[0], 'closed'
        ) INTO closed_id;
        IF closed_id IS NOT NULL THEN
            RAISE EXCEPTION 'motiva: % on table "%" refused: the rows belong to the closed period #%',
                TG_OP, TG_TABLE_NAME, closed_id
                USING ERRCODE = 'restrict_violation',
                      HINT = 'A closed period never changes; make a correction in an open period.';
        END IF;
    END LOOP;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION motiva_refuse_closed_period_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'closed' THEN
            RAISE EXCEPTION 'motiva: INSERT on table "%" refused: a period is not created closed', TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status = 'closed' THEN
        RAISE EXCEPTION 'motiva: % on table "%" refused: the period #% is closed', TG_OP, TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'restrict_violation',
                  HINT = 'A closed period never changes; make a correction in an open period.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$fn$;

CREATE OR REPLACE FUNCTION motiva_refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'motiva: % on table "%" refused: the audit trail is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$fn$;
"""


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [FUNCTIONS]
    for table, period_of in PERIOD_OF.items():
        argument = period_of.replace("'", "''")
        for event, tables in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            statements.append(
                f"CREATE TRIGGER motiva_closed_period_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION motiva_refuse_closed_period_rows('{argument}')"
            )
    statements += [
        "CREATE TRIGGER motiva_closed_period BEFORE INSERT OR UPDATE OR DELETE ON periods_period "
        "FOR EACH ROW EXECUTE FUNCTION motiva_refuse_closed_period_change()",
        "CREATE TRIGGER motiva_append_only BEFORE UPDATE OR DELETE ON core_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION motiva_refuse_audit_change()",
        "CREATE TRIGGER motiva_append_only_truncate BEFORE TRUNCATE ON core_auditevent "
        "FOR EACH STATEMENT EXECUTE FUNCTION motiva_refuse_audit_change()",
    ]
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [
        f"DROP TRIGGER IF EXISTS motiva_closed_period_{event} ON {table}"
        for table in PERIOD_OF
        for event in ("insert", "update", "delete")
    ]
    statements += [
        "DROP TRIGGER IF EXISTS motiva_closed_period ON periods_period",
        "DROP TRIGGER IF EXISTS motiva_append_only ON core_auditevent",
        "DROP TRIGGER IF EXISTS motiva_append_only_truncate ON core_auditevent",
        "DROP FUNCTION IF EXISTS motiva_refuse_closed_period_rows()",
        "DROP FUNCTION IF EXISTS motiva_refuse_closed_period_change()",
        "DROP FUNCTION IF EXISTS motiva_refuse_audit_change()",
    ]
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_audit_chain_backfill"),
        ("periods", "0002_value_period_employee_index"),
        ("kpi", "0005_line_percents_and_gates"),
        ("calc", "0008_adjustment_sanctions"),
        ("worktime", "0003_calendar_status"),
    ]

    operations = [migrations.RunPython(_create, _drop)]

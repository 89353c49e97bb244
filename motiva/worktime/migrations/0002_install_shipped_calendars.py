"""Organizations that exist before working time get the shipped calendars of their country (by currency)."""

from django.db import migrations


def install(apps, schema_editor):
    from motiva.worktime.shipped import COUNTRY_BY_CURRENCY, read_shipped, shipped_codes

    Organization = apps.get_model("core", "Organization")
    CalendarYear = apps.get_model("worktime", "CalendarYear")
    CalendarDay = apps.get_model("worktime", "CalendarDay")
    for organization in Organization.objects.all():
        country = COUNTRY_BY_CURRENCY.get(organization.currency)
        for code in shipped_codes(country) if country else []:
            shipped = read_shipped(code)
            if CalendarYear.objects.filter(organization=organization, year=shipped.year).exists():
                continue
            year = CalendarYear.objects.create(organization=organization, year=shipped.year, hours_per_day=shipped.hours_per_day, source=code)
            CalendarDay.objects.bulk_create([CalendarDay(calendar=year, date=d.date, kind=d.kind, hours=d.hours, note=d.note) for d in shipped.days])


class Migration(migrations.Migration):
    dependencies = [("worktime", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

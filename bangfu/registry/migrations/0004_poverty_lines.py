"""Seed the national poverty lines (国家扶贫标准) of the campaign years, yuan of net income per
person per year.

The 2011 line of 2,300 yuan at 2010 prices, adjusted each year for prices: 2014 2,800; 2015
2,855; 2016 2,952; 2017 2,952; 2018 2,995; 2019 3,218; 2020 4,000 (the round figure usually
quoted for 2020). They are data, editable on the poverty line page: a province that set its
own higher line enters that instead (the demo scenario assumes 3,146 yuan for Guizhou in 2016).
"""

from decimal import Decimal

from django.db import migrations

LINES = {
    2014: 2800,
    2015: 2855,
    2016: 2952,
    2017: 2952,
    2018: 2995,
    2019: 3218,
    2020: 4000,
}
NOTE = "国家扶贫标准(2010年不变价2300元,按物价指数调整)"


def add_lines(apps, schema_editor):
    PovertyLine = apps.get_model("registry", "PovertyLine")
    existing = set(PovertyLine.objects.values_list("year", flat=True))
    PovertyLine.objects.bulk_create(
        PovertyLine(year=year, amount=Decimal(amount), note=NOTE)
        for year, amount in LINES.items()
        if year not in existing
    )


def remove_lines(apps, schema_editor):
    PovertyLine = apps.get_model("registry", "PovertyLine")
    for year, amount in LINES.items():
        PovertyLine.objects.filter(year=year, amount=Decimal(amount), note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_four_looks_sheet")]

    operations = [migrations.RunPython(add_lines, remove_lines)]

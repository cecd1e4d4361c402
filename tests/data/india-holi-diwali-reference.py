import holidays, sys
from holidays.constants import PUBLIC, OPTIONAL
from holidays.calendars.hindu import _HinduLunisolar as H
years = range(2001, 2036)
h = holidays.India(years=years, categories=(PUBLIC, OPTIONAL))
rows = {}
for d, names in sorted(h.items()):
    for n in names.split("; "):
        if n == "Holi": rows.setdefault(d.year, {})["holi"] = d
        if n == "Diwali (Deepavali)" or n == "Diwali": rows.setdefault(d.year, {})["diwali"] = d
# cross-check against the calendar tables the India class reads
for y in years:
    r = rows.get(y, {})
    assert r.get("holi") and (r["holi"].month, r["holi"].day) == H.HOLI_DATES[y], (y, r)
    assert r.get("diwali") and (r["diwali"].month, r["diwali"].day) == H.DIWALI_INDIA_DATES[y], (y, r)
print(f"# Holi and Diwali in India, {years[0]}-{years[-1]}: reference dates from the Python")
print(f"# `holidays` package {holidays.__version__} (https://github.com/vacanza/holidays, MIT),")
print("# holidays.India(years=2001..2035, categories=(PUBLIC, OPTIONAL)), entries 'Holi' and")
print("# 'Diwali (Deepavali)'; that package takes them from its tables HOLI_DATES and")
print("# DIWALI_INDIA_DATES, sourced from timeanddate.com (web.archive.org snapshots of")
print("# timeanddate.com/holidays/india/holi and .../diwali). Holi 2002 and 2011 are optional")
print("# (restricted) holidays there, public in other years. Generated once; not read by Python at test time.")
print("# year\tholi\tdiwali")
for y in years:
    print(f"{y}\t{rows[y]['holi']}\t{rows[y]['diwali']}")

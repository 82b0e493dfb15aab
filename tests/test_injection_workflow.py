"""IDs that a spreadsheet would run as formulas travel through the whole workflow: every
CSV it writes shows them with the OWASP apostrophe, while the fit, which keys its group
effects by ID, and the report keep the original text."""

from __future__ import annotations

import csv
import html

import arviz as az
import pytest
import yaml

from tests.conftest import STUDY, copy_workflow, snakemake

#: Formula-like IDs (OWASP's examples) and what a CSV output must show instead.
INJECTED = {
    "T01": '=HYPERLINK("http://example.org","x")',
    "T02": "+cmd|' /C calc'!A0",
    "T03": "@SUM(1+1)",
    "T04": "-2+3",
}


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.e2e
def test_formula_like_ids_round_trip_through_the_workflow(tmp_path):
    work = copy_workflow(tmp_path / "w")
    study = work / "data" / STUDY / "study.csv"
    with study.open() as source:
        rows = list(csv.reader(source))
    column = rows[0].index("therapist_id")
    for row in rows[1:]:
        row[column] = INJECTED.get(row[column], row[column])
    with study.open("w", newline="") as out:
        csv.writer(out).writerows(rows)
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    config.update(
        models=["isp_actions"],
        prior_grid={"models": [], "prior_sets": ["default"]},
        loo={"models": [], "variants": []},
    )
    config["sampler"].update(chains=2, tune=200, draws=200, prior_draws=10)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))

    result = snakemake(work, timeout=1200)

    assert result.returncode == 0, result.stderr[-3000:]
    written = {}
    for path in [*work.glob("results/**/*.csv"), *work.glob("reports/**/*.csv")]:
        with path.open() as table:
            for row in csv.reader(table):
                for cell in row:
                    written.setdefault(cell, set()).add(path.name)
    unsafe = [
        c for c in written if (c[:1] and c[:1] in "=+@\t\r") or (c[:1] == "-" and not is_number(c))
    ]
    assert unsafe == []
    safe = {f"'{v}" for v in INJECTED.values()}
    assert safe <= set(written)
    res = work / "results" / STUDY
    assert set().union(*(written[s] for s in safe)) >= {"items.csv", "scores.csv"}
    fit = az.from_netcdf(res / "fits" / "isp_actions.nc", engine="h5netcdf")
    assert set(INJECTED.values()) <= set(fit.posterior.coords["therapist"].values.tolist())
    page = (work / "reports" / STUDY / "report.html").read_text()
    assert "=HYPERLINK" not in page or html.escape(INJECTED["T01"]) in page

"""Export of draws and tables: the files give back the NetCDF posterior bit for bit."""

import arviz as az
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from intersession.cli import main
from intersession.export import draws_table, export_fit, read_draws_csv
from intersession.tables import read_table
from tests.conftest import STUDY, snakemake
from tests.fakes import fake_fit


def rebuild(table: pd.DataFrame, posterior: xr.Dataset) -> dict[str, np.ndarray]:
    """Each variable's array put back together from the long table's rows alone, placed by
    their chain, draw and dimension labels (not by row order)."""
    arrays = {}
    chains = {int(c): i for i, c in enumerate(posterior["chain"].values)}
    draws = {int(d): i for i, d in enumerate(posterior["draw"].values)}
    for name, array in posterior.data_vars.items():
        array = array.transpose("chain", "draw", ...)
        rows = table[table["variable"] == name]
        index = [rows["chain"].map(chains).to_numpy(), rows["draw"].map(draws).to_numpy()]
        for dim in array.dims[2:]:
            position = {str(v): i for i, v in enumerate(array[dim].values)}
            index.append(rows[dim].map(position).to_numpy())
        out = np.full(array.shape, np.nan)
        filled = np.zeros(array.shape, dtype=int)
        np.add.at(filled, tuple(index), 1)
        out[tuple(index)] = rows["value"].to_numpy()
        assert (filled == 1).all(), f"{name}: every scalar draw once"
        arrays[name] = out
    return arrays


def assert_same_bits(arrays, posterior):
    for name, array in posterior.data_vars.items():
        stored = array.transpose("chain", "draw", ...).values.astype(np.float64)
        assert arrays[name].view(np.uint64).tolist() == stored.view(np.uint64).tolist(), name


def plain(frame: pd.DataFrame) -> dict:
    """Columns as lists of Python values, a missing label as None whatever its dtype."""
    return frame.astype(object).where(frame.notna(), None).to_dict("list")


@pytest.fixture
def fit_file(tmp_path):
    """A fake fit with a therapist effect (IDs with leading zeros), a 2-D correlation and
    values whose shortest decimal form has 17 digits."""
    idata = fake_fit(n_chains=2, n_draws=7, seed=3)
    rng = np.random.default_rng(4)
    therapists = ["007", "T10", "x,y"]
    idata.posterior["b_therapist"] = xr.DataArray(
        rng.normal(size=(2, 7, 3)) / 3,
        dims=("chain", "draw", "therapist"),
        coords={"therapist": therapists},
    )
    effects = ["Intercept", "self_alliance"]
    idata.posterior["corr_therapist"] = xr.DataArray(
        rng.uniform(-1, 1, size=(2, 7, 2, 2)),
        dims=("chain", "draw", "therapist_effect", "therapist_effect_bis"),
        coords={"therapist_effect": effects, "therapist_effect_bis": effects},
    )
    idata.posterior["sigma"][0, 0] = 0.1 + 0.2  # 0.30000000000000004
    path = tmp_path / "isp_actions.nc"
    idata.to_netcdf(path, engine="h5netcdf")
    return path


def test_draws_table_has_one_row_per_chain_draw_and_scalar_with_posterior_names(fit_file):
    posterior = az.from_netcdf(fit_file, engine="h5netcdf").posterior
    table = draws_table(posterior)
    assert list(table.columns) == [
        "chain",
        "draw",
        "parameter",
        "variable",
        "term",
        "therapist",
        "therapist_effect",
        "therapist_effect_bis",
        "value",
    ]
    # Intercept, beta x 3, sd_therapist, sigma, b_therapist x 3, corr x 4: 13 scalars
    assert len(table) == 13 * 2 * 7
    assert table["parameter"].unique().tolist() == [
        "Intercept",
        "beta[self_alliance]",
        "beta[other_alliance]",
        "beta[self_alliance:other_alliance]",
        "sd_therapist",
        "sigma",
        "b_therapist[007]",
        "b_therapist[T10]",
        "b_therapist[x,y]",
        "corr_therapist[Intercept,Intercept]",
        "corr_therapist[Intercept,self_alliance]",
        "corr_therapist[self_alliance,Intercept]",
        "corr_therapist[self_alliance,self_alliance]",
    ]
    row = table[(table["parameter"] == "b_therapist[T10]") & (table["chain"] == 1)].iloc[4]
    assert (row["draw"], row["therapist"], row["term"]) == (4, "T10", None)
    assert row["value"] == posterior["b_therapist"].sel(chain=1, draw=4, therapist="T10").item()


def test_export_parquet_and_csv_reproduce_the_netcdf_posterior_exactly(fit_file, tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "parameters.csv").write_text("parameter,therapist,mean\nb,007,0.30000000000000004\n")
    out = export_fit(fit_file, tmp_path / "export", {"parameters": tables / "parameters.csv"})
    assert sorted(p.name for p in out.iterdir()) == [
        "draws.csv",
        "draws.parquet",
        "parameters.csv",
        "parameters.parquet",
    ]
    posterior = az.from_netcdf(fit_file, engine="h5netcdf").posterior
    parquet = pd.read_parquet(out / "draws.parquet")
    csv = read_draws_csv(out / "draws.csv")
    assert_same_bits(rebuild(parquet, posterior), posterior)
    assert_same_bits(rebuild(csv, posterior), posterior)
    assert plain(csv) == plain(parquet)
    assert parquet["therapist"].dropna().unique().tolist() == ["007", "T10", "x,y"]
    assert (out / "parameters.csv").read_bytes() == (tables / "parameters.csv").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "parameters.parquet"), read_table(tables / "parameters.csv")
    )
    assert pd.read_parquet(out / "parameters.parquet")["mean"].item() == 0.1 + 0.2


def test_export_command_writes_the_folder_and_names_a_missing_fit(fit_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", str(fit_file), "--out-dir", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["draws.csv", "draws.parquet"]
    assert f"{out}" in capsys.readouterr().out
    missing = tmp_path / "none.nc"
    assert main(["export", str(missing), "--out-dir", str(tmp_path / "x")]) == 1
    assert capsys.readouterr().err == f"intersession export: {missing}: no such fit file\n"
    assert not (tmp_path / "x").exists()


@pytest.mark.e2e
def test_workflow_export_target_reproduces_every_fit(default_run):
    """`snakemake export` on the finished default run: one folder per model, whose draws
    equal the fit's posterior bit for bit, beside its effects and diagnostics tables."""
    result = snakemake(default_run, "export")
    assert result.returncode == 0, result.stderr[-4000:]
    results = default_run / "results" / STUDY
    fits = sorted((results / "fits").glob("*.nc"))
    assert len(fits) == 5
    for fit in fits:
        out = results / "export" / fit.stem
        posterior = az.from_netcdf(fit, engine="h5netcdf").posterior
        assert_same_bits(rebuild(pd.read_parquet(out / "draws.parquet"), posterior), posterior)
        assert_same_bits(rebuild(read_draws_csv(out / "draws.csv"), posterior), posterior)
        names = {p.name for p in out.iterdir()}
        assert {"parameters.csv", "parameters.parquet", "diagnostics.csv"} <= names

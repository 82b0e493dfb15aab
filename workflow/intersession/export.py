"""Export a fit's posterior draws and its tables in files that R and spreadsheets read.

A fit's NetCDF file holds groups and named dimensions that R users rarely meet. The export
writes the ``posterior`` group as one long table, one row per chain, draw and scalar
parameter:

``chain, draw, parameter, variable, <one column per dimension>, value``

``parameter`` is the posterior-package name of the scalar (``beta[self_alliance]``,
``sd_therapist``, ``corr_therapist[Intercept,self_alliance]``), ``variable`` the array it
belongs to, and each dimension column holds the scalar's label along that dimension (the
therapist ID of a therapist effect; empty where the variable has no such dimension).
Labels are text, as in the study file ("007" stays "007"); values are the stored float64
numbers, written so that reading them back gives the same bits. The same table goes to
``draws.parquet`` (typed columns) and ``draws.csv``; tables given along are copied as CSV
and written as Parquet beside the draws.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from intersession.atomic import atomic_directory
from intersession.errors import InputError
from intersession.tables import ID_DTYPES

#: pandas before 3.0 parses decimals inexactly unless asked; 3.0 always parses them exactly
#: and deprecates the option.
EXACT = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}

#: Columns of the long table besides the dimension columns.
FIXED_COLUMNS = ("chain", "draw", "parameter", "variable", "value")


def draws_table(posterior: xr.Dataset) -> pd.DataFrame:
    """The posterior's draws as a long table (module docstring): variables in file order,
    each variable's scalars in C order of its dimensions, and chains and draws within."""
    dims = [d for d in posterior.dims if d not in ("chain", "draw")]
    clash = sorted(set(dims) & set(FIXED_COLUMNS))
    if clash:
        raise InputError(f"the posterior has dimensions named {clash}; rename them to export")
    chains = np.asarray(posterior["chain"].values)
    draws = np.asarray(posterior["draw"].values)
    per_scalar = len(chains) * len(draws)
    frames = []
    for name, array in posterior.data_vars.items():
        array = array.transpose("chain", "draw", ...)
        own = list(array.dims[2:])
        shape = array.shape[2:]
        n = int(np.prod(shape))  # 1 for a scalar variable
        # (scalar, chain, draw) order: each scalar's draws are contiguous
        values = np.asarray(array.values, dtype=np.float64).reshape(per_scalar, n).T
        labels = (
            {
                d: np.asarray([str(v) for v in array[d].values], dtype=object)[index]
                for d, index in zip(own, np.unravel_index(np.arange(n), shape), strict=True)
            }
            if own
            else {}
        )
        names = [f"{name}[{','.join(row)}]" for row in zip(*labels.values(), strict=True)]
        frame = {
            "chain": np.tile(np.repeat(chains, len(draws)), n),
            "draw": np.tile(draws, len(chains) * n),
            "parameter": np.repeat(np.asarray(names if own else [name], dtype=object), per_scalar),
            "variable": np.full(n * per_scalar, name, dtype=object),
        }
        for d in dims:
            column = labels.get(d)
            frame[d] = (
                np.repeat(column, per_scalar)
                if column is not None
                else np.full(n * per_scalar, None, dtype=object)
            )
        frame["value"] = values.ravel()
        frames.append(pd.DataFrame(frame))
    return pd.concat(frames, ignore_index=True)


def read_draws_csv(path: str | Path) -> pd.DataFrame:
    """A ``draws.csv`` read back with its labels as text and its values as the float64
    numbers written."""
    header = pd.read_csv(path, nrows=0).columns
    text = {c: str for c in header if c not in ("chain", "draw", "value")}
    return pd.read_csv(
        path,
        dtype={**text, "value": np.float64},
        keep_default_na=False,
        na_values={c: [""] for c in text} | {"value": ["nan", "NaN"]},
        **EXACT,
    )


def export_fit(
    fit: str | Path, out_dir: str | Path, tables: Mapping[str, str | Path] | None = None
) -> Path:
    """Write ``draws.parquet`` and ``draws.csv`` of ``fit``'s posterior into the folder
    ``out_dir`` (replaced as a whole, atomically), and each of ``tables`` (name: a CSV of an
    earlier step) as ``<name>.csv`` and ``<name>.parquet``. Returns ``out_dir``."""
    fit = Path(fit)
    if not fit.is_file():
        raise InputError(f"{fit}: no such fit file")
    idata = az.from_netcdf(fit, engine="h5netcdf")
    if "posterior" not in idata.groups():
        raise InputError(f"{fit}: the file has no posterior group; is it a fit?")
    table = draws_table(idata.posterior)
    tables = {name: Path(path) for name, path in (tables or {}).items()}
    for path in tables.values():
        if not path.is_file():
            raise InputError(f"{path}: no such table")
    out = Path(out_dir)
    with atomic_directory(out) as tmp:
        table.to_parquet(tmp / "draws.parquet", index=False)
        table.to_csv(tmp / "draws.csv", index=False)
        for name, path in tables.items():
            shutil.copyfile(path, tmp / f"{name}.csv")
            pd.read_csv(path, dtype=ID_DTYPES, **EXACT).to_parquet(
                tmp / f"{name}.parquet", index=False
            )
    return out

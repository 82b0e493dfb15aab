"""Rule export_fit: a fit's posterior draws and its tables as Parquet and CSV (see
intersession.export)."""

from pathlib import Path

from intersession.export import export_fit
from intersession.logs import step_log

with step_log(snakemake.log[0], f"export {snakemake.wildcards.model}"):
    tables = {"diagnostics": snakemake.input.diagnostics}
    tables.update({Path(t).stem: t for t in snakemake.input.effects})
    export_fit(snakemake.input.fit, snakemake.output.folder, tables)

"""Which variables of a fitted model play which role: the one place that knows their names.

The model builder names its variables (``beta<suffix>``, ``Intercept<suffix>``,
``sd_<level><suffix>``, ``corr_<level><suffix>``, ``z_<level><suffix>``, a family's
auxiliary parameters); effects, checks, plots and the report ask this map for
population-level coefficients, group SDs, correlations, auxiliary parameters and
non-centred offsets instead of spelling names. The map is stored with every fit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from intersession.model.families import family as family_entry

COEFFICIENTS, INTERCEPT, TERM, DESIGN, INDEX = "beta", "Intercept", "term", "X", "_index"
GROUP_SD, CORRELATION = "sd_", "corr_"
#: Name prefix of the non-centred group offsets (standard normal by construction, part of
#: the model's structure rather than a prior a user chose: power-scaling leaves them out).
OFFSET = "z_"


@dataclass(frozen=True)
class EquationParameters:
    """The variables of one equation (one outcome; suffix "" for a regression)."""

    suffix: str
    outcome: str
    family: str
    coefficients: str
    term_dim: str
    design: str
    intercept: str | None
    auxiliary: tuple[str, ...]
    group_sds: tuple[str, ...]
    correlations: tuple[str, ...]
    observed: str = ""  # the observed variable holding this outcome
    selection: dict | None = None  # its coordinates selecting this outcome (joint models)

    def row_name(self, variable: str) -> str:
        """A variable's name without the equation's suffix: how tables name it."""
        return variable.removesuffix(self.suffix) if self.suffix else variable

    @property
    def population(self) -> list[str]:
        return [*([self.intercept] if self.intercept else []), self.coefficients]


@dataclass(frozen=True)
class ParameterMap:
    """Roles of a fit's variables: per equation, across a joint model's outcomes, offsets."""

    equations: tuple[EquationParameters, ...]
    joint_correlations: tuple[str, ...] = ()
    offsets: tuple[str, ...] = ()

    def equation(self, suffix: str) -> EquationParameters:
        return next(eq for eq in self.equations if eq.suffix == suffix)

    @staticmethod
    def index(level: str) -> str:
        """The data variable holding each row's unit code at ``level``."""
        return group_index(level)

    def observed(self, outcome: str) -> tuple[str, dict]:
        """The observed variable holding ``outcome`` and the coordinates selecting it: the
        outcome itself, or a joint model's multivariate variable at ``outcome=<outcome>``."""
        for eq in self.equations:
            if eq.outcome == outcome:
                return eq.observed, dict(eq.selection or {})
        raise KeyError(f"no observed variable holds {outcome}")

    def summarised(self) -> list[str]:
        """Population-level, group SD and auxiliary parameters: what rank plots show and
        power-scaling checks (correlation matrices have constant diagonals)."""
        names = []
        for eq in self.equations:
            names += [*eq.population, *eq.group_sds, *eq.auxiliary]
        return sorted(set(names), key=names.index)

    def scale_parameters(self) -> list[str]:
        """Group SDs and residual SDs: where a funnel shows."""
        names = []
        for eq in self.equations:
            entry = family_entry(eq.family)
            variances = [a for a in eq.auxiliary if entry.auxiliary_entry(eq.row_name(a)).variance]
            names += [*eq.group_sds, *variances]
        return names

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ParameterMap:
        equations = tuple(
            EquationParameters(**{k: tuple(v) if isinstance(v, list) else v for k, v in e.items()})
            for e in data["equations"]
        )
        return cls(equations, tuple(data["joint_correlations"]), tuple(data["offsets"]))


def group_index(level: str) -> str:
    """Name of the data variable of each row's unit code at ``level``."""
    return f"{level}{INDEX}"


def _belongs(name: str, prefix: str, suffix: str, suffixes: list[str]) -> bool:
    if not name.startswith(prefix):
        return False
    if suffix:
        return name.endswith(suffix)
    return not any(s and name.endswith(s) for s in suffixes)


def parameter_map(equations: list[dict], names) -> ParameterMap:
    """The map of a built model: ``equations`` as dicts of suffix, outcome, family and
    observed (variable name, selection), ``names`` the model's variable names."""
    names = sorted(str(n) for n in names)
    suffixes = [eq["suffix"] for eq in equations]
    entries = []
    for eq in equations:
        suffix, family = eq["suffix"], eq["family"]
        entries.append(
            EquationParameters(
                suffix=suffix,
                outcome=eq["outcome"],
                family=family,
                coefficients=f"{COEFFICIENTS}{suffix}",
                term_dim=f"{TERM}{suffix}",
                design=f"{DESIGN}{suffix}",
                intercept=f"{INTERCEPT}{suffix}" if f"{INTERCEPT}{suffix}" in names else None,
                auxiliary=tuple(
                    n for n in family_entry(family).auxiliary_names(suffix) if n in names
                ),
                group_sds=tuple(n for n in names if _belongs(n, GROUP_SD, suffix, suffixes)),
                correlations=tuple(n for n in names if _belongs(n, CORRELATION, suffix, suffixes)),
                observed=eq["observed"][0],
                selection=eq["observed"][1],
            )
        )
    joint = ()
    if "" not in suffixes:
        joint = tuple(n for n in names if _belongs(n, CORRELATION, "", suffixes))
    offsets = tuple(n for n in names if n.startswith(OFFSET))
    return ParameterMap(tuple(entries), joint, offsets)

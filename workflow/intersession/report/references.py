"""The works and software the report cites: its reference list (APA 7) and references.bib.

Each entry is found in the report's text by its first author's surname and year
("Vehtari et al., 2021", "Yao et al. (2018)", "Hayes, 2015"), so the list holds exactly the
works cited; the software is cited in the Statistical analysis and always listed. A test
scans the report's sources for author-year citations and fails on one without an entry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    key: str  # BibTeX key
    author: str  # first author's surname as cited (ASCII spelling also matched)
    year: str
    apa: str  # the reference list entry (APA 7), plain text; titles of works in *...*
    bibtex: str


def _r(key, cited_as, cited_year, apa, kind, **fields) -> Reference:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return Reference(key, cited_as, cited_year, apa, f"@{kind}{{{key},\n{body}\n}}")


WORKS = [
    _r(
        "aiken1991",
        "Aiken",
        "1991",
        "Aiken, L. S., & West, S. G. (1991). *Multiple regression: Testing and interpreting "
        "interactions*. Sage.",
        "book",
        author="Aiken, Leona S. and West, Stephen G.",
        title="Multiple Regression: Testing and Interpreting Interactions",
        publisher="Sage",
        year="1991",
    ),
    _r(
        "bauer2005",
        "Bauer",
        "2005",
        "Bauer, D. J., & Curran, P. J. (2005). Probing interactions in fixed and multilevel "
        "regression: Inferential and graphical techniques. *Multivariate Behavioral Research, "
        "40*(3), 373\u2013400. https://doi.org/10.1207/s15327906mbr4003_5",
        "article",
        author="Bauer, Daniel J. and Curran, Patrick J.",
        title="Probing interactions in fixed and multilevel regression: Inferential and "
        "graphical techniques",
        journal="Multivariate Behavioral Research",
        volume="40",
        number="3",
        pages="373--400",
        year="2005",
        doi="10.1207/s15327906mbr4003_5",
    ),
    _r(
        "betancourt2016",
        "Betancourt",
        "2016",
        "Betancourt, M. (2016). *Diagnosing suboptimal cotangent disintegrations in "
        "Hamiltonian Monte Carlo* (arXiv:1604.00695). arXiv.",
        "misc",
        author="Betancourt, Michael",
        title="Diagnosing Suboptimal Cotangent Disintegrations in Hamiltonian Monte Carlo",
        eprint="1604.00695",
        archiveprefix="arXiv",
        year="2016",
    ),
    _r(
        "fluckiger2018",
        "Fl\u00fcckiger",
        "2018",
        "Fl\u00fcckiger, C., Del Re, A. C., Wampold, B. E., & Horvath, A. O. (2018). The "
        "alliance in adult psychotherapy: A meta-analytic synthesis. *Psychotherapy, 55*(4), "
        "316\u2013340. https://doi.org/10.1037/pst0000172",
        "article",
        author='Fl{\\"u}ckiger, Christoph and Del Re, A. C. and Wampold, Bruce E. '
        "and Horvath, Adam O.",
        title="The alliance in adult psychotherapy: A meta-analytic synthesis",
        journal="Psychotherapy",
        volume="55",
        number="4",
        pages="316--340",
        year="2018",
        doi="10.1037/pst0000172",
    ),
    _r(
        "hayes2015",
        "Hayes",
        "2015",
        "Hayes, A. F. (2015). An index and test of linear moderated mediation. *Multivariate "
        "Behavioral Research, 50*(1), 1\u201322. https://doi.org/10.1080/00273171.2014.962683",
        "article",
        author="Hayes, Andrew F.",
        title="An index and test of linear moderated mediation",
        journal="Multivariate Behavioral Research",
        volume="50",
        number="1",
        pages="1--22",
        year="2015",
        doi="10.1080/00273171.2014.962683",
    ),
    _r(
        "johnson1936",
        "Johnson",
        "1936",
        "Johnson, P. O., & Neyman, J. (1936). Tests of certain linear hypotheses and their "
        "application to some educational problems. *Statistical Research Memoirs, 1*, 57\u201393.",
        "article",
        author="Johnson, Palmer O. and Neyman, Jerzy",
        title="Tests of certain linear hypotheses and their application to some educational "
        "problems",
        journal="Statistical Research Memoirs",
        volume="1",
        pages="57--93",
        year="1936",
    ),
    _r(
        "kallioinen2024",
        "Kallioinen",
        "2024",
        "Kallioinen, N., Paananen, T., B\u00fcrkner, P.-C., & Vehtari, A. (2024). Detecting and "
        "diagnosing prior and likelihood sensitivity with power-scaling. *Statistics and "
        "Computing, 34*, Article 57. https://doi.org/10.1007/s11222-023-10366-5",
        "article",
        author='Kallioinen, Noa and Paananen, Topi and B{\\"u}rkner, Paul-Christian '
        "and Vehtari, Aki",
        title="Detecting and diagnosing prior and likelihood sensitivity with power-scaling",
        journal="Statistics and Computing",
        volume="34",
        pages="57",
        year="2024",
        doi="10.1007/s11222-023-10366-5",
    ),
    _r(
        "kruschke2018",
        "Kruschke",
        "2018",
        "Kruschke, J. K. (2018). Rejecting or accepting parameter values in Bayesian estimation. "
        "*Advances in Methods and Practices in Psychological Science, 1*(2), 270\u2013280. "
        "https://doi.org/10.1177/2515245918771304",
        "article",
        author="Kruschke, John K.",
        title="Rejecting or accepting parameter values in Bayesian estimation",
        journal="Advances in Methods and Practices in Psychological Science",
        volume="1",
        number="2",
        pages="270--280",
        year="2018",
        doi="10.1177/2515245918771304",
    ),
    _r(
        "nakagawa2013",
        "Nakagawa",
        "2013",
        "Nakagawa, S., & Schielzeth, H. (2013). A general and simple method for obtaining R2 "
        "from generalized linear mixed-effects models. *Methods in Ecology and Evolution, "
        "4*(2), 133\u2013142. https://doi.org/10.1111/j.2041-210x.2012.00261.x",
        "article",
        author="Nakagawa, Shinichi and Schielzeth, Holger",
        title="A general and simple method for obtaining R2 from generalized linear "
        "mixed-effects models",
        journal="Methods in Ecology and Evolution",
        volume="4",
        number="2",
        pages="133--142",
        year="2013",
        doi="10.1111/j.2041-210x.2012.00261.x",
    ),
    _r(
        "paananen2021",
        "Paananen",
        "2021",
        "Paananen, T., Piironen, J., B\u00fcrkner, P.-C., & Vehtari, A. (2021). Implicitly "
        "adaptive importance sampling. *Statistics and Computing, 31*, Article 16. "
        "https://doi.org/10.1007/s11222-020-09982-2",
        "article",
        author='Paananen, Topi and Piironen, Juho and B{\\"u}rkner, Paul-Christian '
        "and Vehtari, Aki",
        title="Implicitly adaptive importance sampling",
        journal="Statistics and Computing",
        volume="31",
        pages="16",
        year="2021",
        doi="10.1007/s11222-020-09982-2",
    ),
    _r(
        "quirk2018",
        "Quirk",
        "2018",
        "Quirk, K., Smith, T., & Owen, J. (2018). In here and out there: Systemic alliance and "
        "intersession processes in psychotherapy. *Professional Psychology: Research and "
        "Practice, 49*(1), 31\u201338. https://doi.org/10.1037/pro0000173",
        "article",
        author="Quirk, Kelley and Smith, T. and Owen, Jesse",
        title="In here and out there: Systemic alliance and intersession processes in "
        "psychotherapy",
        journal="Professional Psychology: Research and Practice",
        volume="49",
        number="1",
        pages="31--38",
        year="2018",
        doi="10.1037/pro0000173",
    ),
    _r(
        "sailynoja2022",
        "S\u00e4ilynoja",
        "2022",
        "S\u00e4ilynoja, T., B\u00fcrkner, P.-C., & Vehtari, A. (2022). Graphical test for "
        "discrete uniformity and its applications in goodness-of-fit evaluation and multiple "
        "sample comparison. *Statistics and Computing, 32*, Article 32. "
        "https://doi.org/10.1007/s11222-022-10090-6",
        "article",
        author='S{\\"a}ilynoja, Teemu and B{\\"u}rkner, Paul-Christian and Vehtari, Aki',
        title="Graphical test for discrete uniformity and its applications in "
        "goodness-of-fit evaluation and multiple sample comparison",
        journal="Statistics and Computing",
        volume="32",
        pages="32",
        year="2022",
        doi="10.1007/s11222-022-10090-6",
    ),
    _r(
        "spiller2013",
        "Spiller",
        "2013",
        "Spiller, S. A., Fitzsimons, G. J., Lynch, J. G., Jr., & McClelland, G. H. (2013). "
        "Spotlights, floodlights, and the magic number zero: Simple effects tests in moderated "
        "regression. *Journal of Marketing Research, 50*(2), 277\u2013288. "
        "https://doi.org/10.1509/jmr.12.0420",
        "article",
        author="Spiller, Stephen A. and Fitzsimons, Gavan J. and Lynch, John G., "
        "Jr. and McClelland, Gary H.",
        title="Spotlights, floodlights, and the magic number "
        "zero: Simple effects tests in moderated regression",
        journal="Journal of Marketing Research",
        volume="50",
        number="2",
        pages="277--288",
        year="2013",
        doi="10.1509/jmr.12.0420",
    ),
    _r(
        "talts2018",
        "Talts",
        "2018",
        "Talts, S., Betancourt, M., Simpson, D., Vehtari, A., & Gelman, A. (2018). *Validating "
        "Bayesian inference algorithms with simulation-based calibration* (arXiv:1804.06788). "
        "arXiv.",
        "misc",
        author="Talts, Sean and Betancourt, Michael and Simpson, Daniel and Vehtari, "
        "Aki and Gelman, Andrew",
        title="Validating Bayesian Inference Algorithms with Simulation-Based Calibration",
        eprint="1804.06788",
        archiveprefix="arXiv",
        year="2018",
    ),
    _r(
        "vehtari2017",
        "Vehtari",
        "2017",
        "Vehtari, A., Gelman, A., & Gabry, J. (2017). Practical Bayesian model evaluation using "
        "leave-one-out cross-validation and WAIC. *Statistics and Computing, 27*(5), "
        "1413\u20131432. https://doi.org/10.1007/s11222-016-9696-4",
        "article",
        author="Vehtari, Aki and Gelman, Andrew and Gabry, Jonah",
        title="Practical Bayesian model evaluation using leave-one-out cross-validation and WAIC",
        journal="Statistics and Computing",
        volume="27",
        number="5",
        pages="1413--1432",
        year="2017",
        doi="10.1007/s11222-016-9696-4",
    ),
    _r(
        "vehtari2021",
        "Vehtari",
        "2021",
        "Vehtari, A., Gelman, A., Simpson, D., Carpenter, B., & B\u00fcrkner, P.-C. (2021). "
        "Rank-normalization, folding, and localization: An improved R-hat for assessing "
        "convergence of MCMC. *Bayesian Analysis, 16*(2), 667\u2013718. "
        "https://doi.org/10.1214/20-BA1221",
        "article",
        author="Vehtari, Aki and Gelman, Andrew and Simpson, Daniel and Carpenter, "
        'Bob and B{\\"u}rkner, Paul-Christian',
        title="Rank-normalization, folding, and "
        "localization: An improved R-hat for assessing convergence of MCMC",
        journal="Bayesian Analysis",
        volume="16",
        number="2",
        pages="667--718",
        year="2021",
        doi="10.1214/20-BA1221",
    ),
    _r(
        "yao2018",
        "Yao",
        "2018",
        "Yao, Y., Vehtari, A., Simpson, D., & Gelman, A. (2018). Using stacking to average "
        "Bayesian predictive distributions. *Bayesian Analysis, 13*(3), 917\u20131007. "
        "https://doi.org/10.1214/17-BA1091",
        "article",
        author="Yao, Yuling and Vehtari, Aki and Simpson, Daniel and Gelman, Andrew",
        title="Using stacking to average Bayesian predictive distributions",
        journal="Bayesian Analysis",
        volume="13",
        number="3",
        pages="917--1007",
        year="2018",
        doi="10.1214/17-BA1091",
    ),
    _r(
        "gelman2020",
        "Gelman",
        "2020",
        "Gelman, A., Hill, J., & Vehtari, A. (2020). *Regression and other stories*. Cambridge "
        "University Press. https://doi.org/10.1017/9781139161879",
        "book",
        author="Gelman, Andrew and Hill, Jennifer and Vehtari, Aki",
        title="Regression and Other Stories",
        publisher="Cambridge University Press",
        year="2020",
        doi="10.1017/9781139161879",
    ),
]

#: the software the Statistical analysis names (always listed)
SOFTWARE = [
    _r(
        "pymc2023",
        "Abril-Pla",
        "2023",
        "Abril-Pla, O., Andreani, V., Carroll, C., Dong, L., Fonnesbeck, C. J., Kochurov, M., "
        "Kumar, R., Lao, J., Luhmann, C. C., Martin, O. A., Osthege, M., Vieira, R., Wiecki, "
        "T., & Zinkov, R. (2023). PyMC: A modern, and comprehensive probabilistic programming "
        "framework in Python. *PeerJ Computer Science, 9*, e1516. "
        "https://doi.org/10.7717/peerj-cs.1516",
        "article",
        author="Abril-Pla, Oriol and others",
        title="PyMC: A modern, and comprehensive probabilistic programming framework in Python",
        journal="PeerJ Computer Science",
        volume="9",
        pages="e1516",
        year="2023",
        doi="10.7717/peerj-cs.1516",
    ),
    _r(
        "arviz2019",
        "Kumar",
        "2019",
        "Kumar, R., Carroll, C., Hartikainen, A., & Martin, O. (2019). ArviZ a unified library "
        "for exploratory analysis of Bayesian models in Python. *Journal of Open Source "
        "Software, 4*(33), 1143. https://doi.org/10.21105/joss.01143",
        "article",
        author="Kumar, Ravin and Carroll, Colin and Hartikainen, Ari and Martin, Osvaldo",
        title="ArviZ a unified library for exploratory analysis of Bayesian models in Python",
        journal="Journal of Open Source Software",
        volume="4",
        number="33",
        pages="1143",
        year="2019",
        doi="10.21105/joss.01143",
    ),
    _r(
        "nutpie",
        "Seyboldt",
        "n.d.",
        "Seyboldt, A. (n.d.). *nutpie: A fast sampler for Bayesian posteriors* [Computer "
        "software]. https://github.com/pymc-devs/nutpie",
        "software",
        author="Seyboldt, Adrian",
        title="nutpie: A fast sampler for Bayesian posteriors",
        url="https://github.com/pymc-devs/nutpie",
    ),
    _r(
        "snakemake2021",
        "M\u00f6lder",
        "2021",
        "M\u00f6lder, F., Jablonski, K. P., Letcher, B., Hall, M. B., Tomkins-Tinch, C. H., "
        "Sochat, V., Forster, J., Lee, S., Twardziok, S. O., Kanitz, A., Wilm, A., Holtgrewe, "
        "M., Rahmann, S., Nahnsen, S., & K\u00f6ster, J. (2021). Sustainable data analysis with "
        "Snakemake. *F1000Research, 10*, 33. https://doi.org/10.12688/f1000research.29032.2",
        "article",
        author='M{\\"o}lder, Felix and others',
        title="Sustainable data analysis with Snakemake",
        journal="F1000Research",
        volume="10",
        pages="33",
        year="2021",
        doi="10.12688/f1000research.29032.2",
    ),
]


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _pattern(ref: Reference) -> re.Pattern:
    names = {re.escape(ref.author), re.escape(_plain(ref.author))}
    return re.compile(
        r"\b(?:" + "|".join(names) + r")\b[^()\d]{0,40}?[,(]\s?" + re.escape(ref.year) + r"\b"
    )


def cited(text: str) -> list[Reference]:
    """The works cited in ``text`` (in the list's order), then all software."""
    return [ref for ref in WORKS if _pattern(ref).search(text)] + SOFTWARE


def bibtex(references: list[Reference]) -> str:
    return "\n\n".join(ref.bibtex for ref in references) + "\n"


def sort_key(ref: Reference) -> str:
    return _plain(ref.apa).lower()

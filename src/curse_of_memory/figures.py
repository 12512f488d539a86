"""Every figure of the pipeline, written once: where it comes from and what it draws.

One :class:`Figure` per figure stem (``FIGURES["fig3"]``): the rule that draws it (``rule fig3``
in ``workflow/rules/<rule_file>``, script ``workflow/scripts/fig3.py``), the part of the run it
belongs to (the target function of common.smk that builds it), the training experiments it reads
and which of them must be configured for it to be drawn, its panels in order, each panel's series
in order with their labels and colours, the sources it draws beside each other (this run, the
paper-tier reference run, the values read off the published figure) and its as-published variants.

Read by the targets at the end of ``workflow/rules/common.smk`` (:func:`targets`), by the figure
scripts (panel and series order, labels, colours) and by the claims (the optimizer study's
architectures and optimizers).  Colours are keys of ``curse_of_memory.plotting.style.COLORS``;
this module imports no plotting library.

Where does a figure come from?  ``python -m curse_of_memory.figures fig3`` prints its spec.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

# The sources a figure draws beside each other; the plotted numbers (the CSV beside each figure)
# name them in the column ``source`` (curse_of_memory.plotting.sources).
THIS_RUN = "this run"
REFERENCE = "paper-tier reference"
PUBLISHED = "published"
SOURCES = (THIS_RUN, REFERENCE, PUBLISHED)

# The parts of a run, each built by one target function at the end of common.smk
PARTS = ("theory", "data", "hessian", "training")


@dataclass(frozen=True)
class Series:
    """One drawn series: ``key`` (the cell of a training figure, else a model or optimizer key),
    ``color`` (a key of ``style.COLORS``), ``label`` (``None``: the cell's ``label:`` in
    config.yaml), ``experiment`` (the experiment the cell belongs to) and ``as_published`` (the
    cell drawn in its place in the figure's as-published variant)."""

    key: str
    color: str
    label: str | None = None
    experiment: str | None = None
    as_published: str | None = None


@dataclass(frozen=True)
class Panel:
    """One panel, named as the suffix of its plotted numbers (``<stem>_<name>.csv``) where the
    figure writes one CSV per panel; ``series`` in drawing (legend, tick) order; ``colormap``:
    one colour per row of the table along this matplotlib colormap instead of fixed series."""

    name: str
    title: str = ""
    series: tuple[Series, ...] = ()
    colormap: str | None = None


@dataclass(frozen=True)
class Figure:
    """One figure: ``rule stem`` in ``workflow/rules/<rule_file>`` (output
    ``paper/figures/<stem>.pdf``) runs ``workflow/scripts/<stem>.py``.

    ``experiments``: the training experiments whose tables it reads; ``needs_any``: it is drawn
    only in a tier that configures at least one of them (empty: always drawn);
    ``also``: other rules whose outputs are targets with it; ``variants``: the stems of its
    as-published variants (``paper/figures/<variant>.pdf``, same rule)."""

    stem: str
    shows: str
    part: str
    rule_file: str
    experiments: tuple[str, ...] = ()
    needs_any: tuple[str, ...] = ()
    panels: tuple[Panel, ...] = ()
    sources: tuple[str, ...] = (THIS_RUN,)
    variants: tuple[str, ...] = ()
    also: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        return self.stem

    @property
    def script(self) -> str:
        return f"workflow/scripts/{self.stem}.py"

    def panel(self, name: str) -> Panel:
        for p in self.panels:
            if p.name == name:
                return p
        raise KeyError(f"{self.stem} has no panel {name!r} ({', '.join(self.panel_names)})")

    @property
    def panel_names(self) -> list[str]:
        return [p.name for p in self.panels]

    def drawn(self, experiments: Iterable[str]) -> bool:
        """Whether a tier that configures ``experiments`` draws this figure."""
        return not self.needs_any or bool(set(self.needs_any) & set(experiments))


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    """Add ``figure`` to :data:`FIGURES` (its stem must be new and its part known)."""
    if figure.stem in FIGURES:
        raise ValueError(f"figure {figure.stem!r} is registered twice")
    if figure.part not in PARTS:
        raise ValueError(f"figure {figure.stem!r}: part {figure.part!r} is not one of {PARTS}")
    unknown = [s for s in figure.sources if s not in SOURCES]
    if unknown:
        raise ValueError(f"figure {figure.stem!r}: unknown sources {unknown} (one of {SOURCES})")
    FIGURES[figure.stem] = figure
    return figure


def of_part(part: str, experiments: Iterable[str]) -> list[Figure]:
    """The figures of ``part`` drawn in a tier that configures ``experiments``, in order."""
    experiments = list(experiments)
    return [f for f in FIGURES.values() if f.part == part and f.drawn(experiments)]


def targets(
    part: str, experiments: Iterable[str], outputs: Callable[[str], Iterable[str]]
) -> list[str]:
    """The outputs of the figures of ``part`` drawn with ``experiments`` (and of their ``also``
    rules), in order; ``outputs(rule)`` lists a rule's outputs (``rules.<rule>.output``)."""
    out: list[str] = []
    for figure in of_part(part, experiments):
        for rule in (figure.rule, *figure.also):
            out += list(outputs(rule))
    return out


def labels(series: Iterable[Series], config_labels: Mapping[str, str]) -> list[str]:
    """The labels of ``series``: fixed ones, else the cell's ``label:`` (``config_labels``:
    ``"experiment/cell" -> label``), else the cell's name."""
    return [
        s.label if s.label is not None else config_labels.get(f"{s.experiment}/{s.key}", s.key)
        for s in series
    ]


# ------------------------------------------------------------------------------------------------
# The figures, in the order of the paper
# ------------------------------------------------------------------------------------------------

register(Figure("fig1", "sensitivity vs lambda, 1-D loss vs magnitude and angle", "theory",
                "theory.smk"))  # fmt: skip
register(Figure("fig2", "normalised variance and normalised + exp-reparametrised sensitivity",
                "theory", "theory.smk"))  # fmt: skip

FIG3 = register(
    Figure(
        "fig3",
        "final loss vs nu0 for the LRU and the dense RNN (A); the RNN -> LRU ablation at "
        "nu0 = 0.99 (B)",
        "training",
        "aggregate.smk",
        experiments=("fig3a", "fig3b"),
        needs_any=("fig3a", "fig3b"),
        panels=(
            Panel(
                "a",
                "final loss vs nu0",
                (
                    Series("rnn", "rnn", experiment="fig3a"),
                    Series("lru", "lru", experiment="fig3a"),
                ),
            ),
            Panel(
                "b",
                "ablation at nu0 = 0.99",
                (
                    Series("rnn", "rnn", experiment="fig3a"),
                    Series("block-diagonal", "block_diagonal", experiment="fig3b"),
                    Series("more-neurons", "more_neurons", experiment="fig3b"),
                    Series("crnn", "crnn", experiment="fig3b"),
                    Series("gamma", "gamma", experiment="fig3b", as_published="gamma-published"),
                    Series("lru", "lru", experiment="fig3b"),
                ),
            ),
        ),
        sources=(THIS_RUN, REFERENCE, PUBLISHED),
        variants=("fig3_published",),
    )
)

register(Figure("fig4", "Hessians at the optimum (RNN, complex diagonal) and the effective lrs "
                "after training", "hessian", "hessian.smk", experiments=("fig4",)))  # fmt: skip
register(Figure("fig5", "signal propagation: activity, gradient groups, normalisation", "data",
                "data.smk", variants=("fig5_published",)))  # fmt: skip
register(Figure("fig6", "loss and curvature landscapes of the polar, exp and opt "
                "parametrisations", "theory", "theory.smk"))  # fmt: skip
register(Figure("fig7", "learning the angle: real Adam and the as-published sign descent",
                "theory", "theory.smk", variants=("fig7_published",)))  # fmt: skip
register(Figure("fig8", "|S(lam, lam0, rho)| over the unit disk", "theory", "theory.smk",
                variants=("fig8_published",)))  # fmt: skip
register(Figure("fig9", "as Fig 4 for the LRU and the S4-like SSM", "hessian", "hessian.smk",
                experiments=("fig9",), variants=("fig9_published",)))  # fmt: skip

FIG10 = register(
    Figure(
        "fig10",
        "theory lambda-Hessians (top) and final loss vs theta0 (bottom)",
        "hessian",
        "hessian.smk",
        experiments=("fig10", "fig10_published"),
        needs_any=("fig10",),
        panels=(
            Panel("hessians", "Gauss-Newton lambda-Hessians for three theta0"),
            Panel(
                "loss",
                "final loss vs theta0",
                (
                    Series("rnn", "rnn", "RNN"),
                    Series("crnn", "crnn", "Complex RNN"),
                    Series("lru", "lru", "LRU"),
                ),
            ),
        ),
        sources=(THIS_RUN, REFERENCE, PUBLISHED),
        variants=("fig10_published",),
        also=("fig10_table",),
    )
)

FIG11 = register(
    Figure(
        "fig11",
        "final loss vs number of heads (left); effective lr of A over training (right)",
        "training",
        "aggregate.smk",
        experiments=("fig11",),
        needs_any=("fig11",),
        panels=(
            Panel("left", "final loss vs heads", (Series("heads", "rnn", "final loss"),)),
            Panel("right", "effective lr of A over training", colormap="viridis"),
        ),
        sources=(THIS_RUN, REFERENCE, PUBLISHED),
    )
)

register(Figure("fig12", "autocorrelation of the embeddings and its exponential fit", "data",
                "data.smk", variants=("fig12_published",)))  # fmt: skip
register(Figure("fig13", "layer-wise gradients and the complex RNN norm study", "data",
                "data.smk", variants=("fig13_published",)))  # fmt: skip
register(Figure("fig14", "GRU Jacobian diagonal and off-diagonal entries against Delta t",
                "data", "data.smk"))  # fmt: skip
register(Figure("fig15", "diagonal theory vs GRU empirics", "data", "data.smk",
                variants=("fig15_published",)))  # fmt: skip

# The optimizer study (beyond the paper): one panel per architecture, one series per optimizer;
# cells are named <architecture>-<optimizer> (claims.optimizers.split_cell).
_OPTIMIZER_SERIES = (
    Series("sgd_momentum", "sgd_momentum", "SGD+momentum"),
    Series("adam", "adam", "Adam"),
    Series("adamw", "adamw", "AdamW"),
    Series("adafactor", "adafactor", "Adafactor"),
    Series("muon", "muon", "Muon"),
)
FIG_OPTIMIZERS = register(
    Figure(
        "fig_optimizers",
        "the optimizer study: final loss vs nu0 per architecture and optimizer",
        "training",
        "optimizers.smk",
        experiments=("optimizers",),
        needs_any=("optimizers",),
        panels=(
            Panel("rnn", "dense RNN", _OPTIMIZER_SERIES),
            Panel("block", "block diagonal (2x2)", _OPTIMIZER_SERIES),
            Panel("lru", "LRU", _OPTIMIZER_SERIES),
        ),
        sources=(THIS_RUN, REFERENCE),
    )
)


def describe(figure: Figure) -> str:
    """Where ``figure`` comes from, in a few lines."""
    lines = [
        f"{figure.stem}: {figure.shows}",
        f"  output  paper/figures/{figure.stem}.pdf"
        + "".join(f", paper/figures/{v}.pdf" for v in figure.variants)
        + " (+ .png and the plotted numbers as CSV beside each)",
        f"  rule    {figure.rule} in workflow/rules/{figure.rule_file}"
        f" (a target of {figure.part}_targets, workflow/rules/common.smk)",
        f"  script  {figure.script}",
    ]
    if figure.experiments:
        lines.append(
            "  reads   "
            + ", ".join(f"results/tables/{e}_*.parquet" for e in figure.experiments)
            + " (config.yaml: training.experiments.<name>)"
        )
    if figure.needs_any:
        lines.append(f"  drawn   when the tier configures any of {', '.join(figure.needs_any)}")
    lines.append(f"  sources {', '.join(figure.sources)}")
    for p in figure.panels:
        series = ", ".join(
            f"{s.experiment + '/' if s.experiment else ''}{s.key} ({s.color})" for s in p.series
        )
        lines.append(
            f"  panel {p.name}: {p.title}"
            + (f" - {series}" if series else "")
            + (f" - colormap {p.colormap}" if p.colormap else "")
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    stems = argv or list(FIGURES)
    unknown = [s for s in stems if s not in FIGURES]
    if unknown:
        sys.stderr.write(f"error: no figure {', '.join(unknown)} (one of {', '.join(FIGURES)})\n")
        return 1
    print("\n\n".join(describe(FIGURES[s]) for s in stems))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

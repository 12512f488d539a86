"""What the signal-propagation figures (Figs 5 and 13, METHODS §5) draw alike: curves against the
memory time scale, the cRNN's gradient groups per normalisation, and the two variants every such
figure is drawn in (the default and the as-published one, METHODS §7 item 12)."""

from __future__ import annotations

import json

import pandas as pd

from curse_of_memory.plotting import style
from curse_of_memory.plotting.axes import SIGNAL_GROUP_COLORS

# (loss, batches of the normalisation study, output key): the default figure and the published one
VARIANTS = (("next", "all", "pdf"), ("previous", "last", "published"))
CAPTIONS = {
    "next": "next-embedding loss, mean of all batches",
    "previous": "as published: previous-token loss; norm study on the last batch",
}


def curve(ax, df: pd.DataFrame, y: str, ms: float, **kw) -> None:
    """One curve of column ``y`` against the memory time scale ``t_mem``, a dot per point."""
    s = df.sort_values("t_mem")
    ax.plot(s.t_mem, s[y], marker="o", ms=ms, **kw)


def crnn_norm_curves(ax, grads: pd.DataFrame, norms, ms: float, label) -> None:
    """The cRNN's two gradient groups (lambda and the rest) for each normalisation in ``norms``,
    solid without normalisation and dashed with it; ``label(norm, group)`` names a curve (None:
    no legend entry)."""
    for norm in norms:
        for group in ("lambda", "all_but_lambda"):
            curve(
                ax,
                grads[(grads.norm == norm) & (grads.group == group)],
                "grad_sq",
                ms,
                color=SIGNAL_GROUP_COLORS[("crnn", group)],
                ls="-" if norm == "none" else "--",
                label=label(norm, group),
            )


def draw_variants(smk, figure) -> None:
    """Draw both variants of a signal figure from the rule's records and embeddings manifest:
    ``figure(records, loss, norm_batches, caption) -> (fig, plotted numbers)``."""
    recs = pd.concat([pd.read_parquet(p) for p in smk.input.records], ignore_index=True)
    with open(smk.input.manifest) as fh:
        manifest = json.load(fh)
    caption = f"{manifest['source']}, {manifest['model']}"
    for loss, norm_batches, key in VARIANTS:
        fig, data = figure(recs, loss, norm_batches, caption)
        style.save(fig, getattr(smk.output, key), data=data, tier=smk.params.tier)

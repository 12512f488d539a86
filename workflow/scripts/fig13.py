"""Rule `fig13`, Fig 13: layer-wise gradients (LRU, cRNN, GRU) and the cRNN normalisation study
(METHODS §5).

input.records (rule signal_propagation, every arch x norm), input.manifest -> output.pdf
(next-embedding loss, all batches) and output.published (previous-token loss, norm study on the
last batch only, METHODS §7 item 12), each with .png and the plotted numbers
<stem>_{layers,norm}.csv beside it."""

import matplotlib.colors as mcolors
import pandas as pd

from curse_of_memory.data.signal import summarise
from curse_of_memory.plotting import style
from curse_of_memory.plotting.axes import (
    SIGNAL_GROUP_COLORS,
    SIGNAL_LABELS,
    SIGNAL_LAYER_COLORS,
    nu_axis,
)
from curse_of_memory.plotting.signal import CAPTIONS, crnn_norm_curves, curve, draw_variants
from curse_of_memory.runlog import snakemake_log


def shade(color, layer, n_layers):
    """``color`` lightened towards white for the early layers (the last layer is ``color``)."""
    f = (n_layers - 1 - layer) / 5.0
    return tuple(f * 1.0 + (1 - f) * c for c in mcolors.to_rgb(color))


def layer_panels(axes, layered, n_layers):
    """Top row: mean squared gradient of each group per layer, one panel per architecture."""
    for ax, arch in zip(axes, ("lru", "crnn", "gru")):
        for (a, group), color in SIGNAL_GROUP_COLORS.items():
            if a != arch:
                continue
            for layer in range(n_layers):
                curve(
                    ax,
                    layered[
                        (layered.arch == arch) & (layered.group == group) & (layered.layer == layer)
                    ],
                    "grad_sq",
                    1.2,
                    color=shade(color, layer, n_layers),
                    label=f"{SIGNAL_LABELS[group]}" if layer == n_layers - 1 else None,
                )
        nu_axis(ax)
        ax.set_title(f"{SIGNAL_LABELS[arch]} (light = first layer)")
        ax.legend(fontsize=3.5, loc="upper left")
    axes[0].set_ylabel("mean sq. gradient")


def norm_panels(axes, ng, n_act, n_layers):
    """Bottom row: the cRNN's gradients with LayerNorm and BatchNorm, then its activity."""
    for ax, norms, title in (
        (axes[0], ("none", "layer"), "cRNN: none vs LayerNorm (- -)"),
        (axes[1], ("none", "batch"), "cRNN: none vs BatchNorm (- -)"),
    ):
        crnn_norm_curves(
            ax,
            ng,
            norms,
            1.2,
            lambda norm, group: SIGNAL_LABELS[group] if norm == "none" else None,
        )
        nu_axis(ax)
        ax.set_title(title)
        ax.legend(fontsize=3.5, loc="upper left")
    ax = axes[2]
    for norm, ls in (("none", "-"), ("layer", "--"), ("batch", ":")):
        for layer, color in zip((0, n_layers - 1), SIGNAL_LAYER_COLORS["crnn"]):
            curve(
                ax,
                n_act[(n_act.norm == norm) & (n_act.layer == layer)],
                "activity",
                1.2,
                color=color,
                ls=ls,
                label=f"{norm}, layer {layer}",
            )
    nu_axis(ax)
    ax.set_title(r"cRNN: variance $h_t$ by norm")
    ax.legend(fontsize=3.2, ncol=2, loc="upper left")


def figure(recs, loss, norm_batches, caption):
    """One variant of the figure and its plotted numbers."""
    act, grads = summarise(recs[recs.norm == "none"], loss=loss, batches="all")
    n_act, n_grads = summarise(recs[recs.arch == "crnn"], loss=loss, batches=norm_batches)
    fig = style.figure(5.5, 2.6)[0]
    fig.clf()
    top = fig.subplots(1, 3, sharey=True, gridspec_kw={"bottom": 0.6})
    layered = grads[grads.layer >= 0]
    n_layers = int(layered.layer.max()) + 1
    layer_panels(top, layered, n_layers)
    bottom = fig.subplots(1, 3, gridspec_kw={"top": 0.42})
    ng = n_grads[n_grads.layer == -1]
    norm_panels(bottom, ng, n_act, n_layers)
    fig.suptitle(f"{caption}; {CAPTIONS[loss]}", fontsize=4.5, y=1.02)
    data = {
        "layers": layered[
            ["arch", "group", "layer", "t_mem", "nu_min", "grad_sq", "n_batches"]
        ].assign(loss=loss),
        "norm": pd.concat(
            [
                ng[["norm", "group", "t_mem", "nu_min", "grad_sq", "n_batches"]].assign(
                    quantity="grad"
                ),
                n_act[
                    [
                        "norm",
                        "layer",
                        "t_mem",
                        "nu_min",
                        "activity",
                        "recurrent_activity",
                        "n_batches",
                    ]
                ].assign(quantity="activity"),
            ],
            ignore_index=True,
        ).assign(loss=loss),
    }
    return fig, data


def main(smk):
    draw_variants(smk, figure)


with snakemake_log(snakemake):
    main(snakemake)

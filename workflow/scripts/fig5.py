"""Rule `fig5`, Fig 5: signal propagation in deep recurrent networks at initialisation
(METHODS §5).

input.records (rule signal_propagation, every arch x norm), input.manifest -> output.pdf
(next-embedding loss, all batches averaged, norm study too) and output.published (previous-token
loss, METHODS §7 item 12a; norm study on the last batch only, 12c), each with .png and the
plotted numbers <stem>_{A,B,C}.csv beside it."""

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


def activity_panel(ax, act):
    """Left: variance of h_t in the first and last layer of each architecture."""
    A = act[act.layer.isin([0, 3])].copy()
    for arch in ("crnn", "lru", "gru"):
        for layer, color in zip((0, 3), SIGNAL_LAYER_COLORS[arch]):
            curve(
                ax,
                A[(A.arch == arch) & (A.layer == layer)],
                "activity",
                1.5,
                color=color,
                label=f"{SIGNAL_LABELS[arch]}, layer {layer}",
            )
    nu_axis(ax)
    ax.set_title(r"Variance $h_t$")
    ax.legend(fontsize=3.5, ncol=1, loc="upper left")
    return A


def gradient_panel(ax, grads):
    """Middle: variance of the loss gradient of each architecture's parameter groups."""
    B = grads[grads.layer == -1]
    for (arch, group), color in SIGNAL_GROUP_COLORS.items():
        curve(
            ax,
            B[(B.arch == arch) & (B.group == group)],
            "grad_sq",
            1.5,
            color=color,
            label=f"{SIGNAL_LABELS[arch]}: {SIGNAL_LABELS[group]}",
        )
    nu_axis(ax)
    ax.set_title("Variance of the loss gradient")
    ax.legend(fontsize=3.5, loc="upper left")
    return B


def norm_panel(ax, n_grads):
    """Right: the cRNN's gradient groups without and with LayerNorm."""
    crnn_norm_curves(
        ax,
        n_grads[n_grads.layer == -1],
        ("none", "layer"),
        1.5,
        lambda norm, group: (
            f"{'no norm' if norm == 'none' else 'LayerNorm'}: {SIGNAL_LABELS[group]}"
        ),
    )
    nu_axis(ax)
    ax.set_title("cRNN: effect of normalisation")
    ax.legend(fontsize=3.5, loc="upper left")


def figure(recs, loss, norm_batches, caption):
    """One variant of the figure and its plotted numbers."""
    act, grads = summarise(recs[recs.norm == "none"], loss=loss, batches="all")
    n_act, n_grads = summarise(recs[recs.arch == "crnn"], loss=loss, batches=norm_batches)
    fig, axes = style.figure(4.2, 1.2, ncols=3)
    fig.subplots_adjust(wspace=0.6)
    A = activity_panel(axes[0], act)
    B = gradient_panel(axes[1], grads)
    norm_panel(axes[2], n_grads)
    fig.suptitle(f"{caption}; {CAPTIONS[loss]}", fontsize=4.5, y=1.08)
    data = {
        "A": A[["arch", "layer", "t_mem", "nu_min", "activity", "recurrent_activity", "n_batches"]],
        "B": B[["arch", "group", "t_mem", "nu_min", "grad_sq", "n_batches"]].assign(loss=loss),
        "C": n_grads[n_grads.layer == -1][
            ["norm", "group", "t_mem", "nu_min", "grad_sq", "n_batches"]
        ].assign(loss=loss),
    }
    return fig, data


def main(smk):
    draw_variants(smk, figure)


with snakemake_log(snakemake):
    main(snakemake)

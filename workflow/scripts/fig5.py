"""Fig 5: signal propagation in deep recurrent networks at initialisation (METHODS §5).

fig5.pdf: next-embedding loss, all batches averaged (norm study too).
fig5_published.pdf: previous-token loss (METHODS §7 item 12a), norm study on the last batch only (12c).
"""

from curse_of_memory.plotting.axes import SIGNAL_LABELS, nu_axis
from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):  # noqa: F821
    import json

    import pandas as pd

    from curse_of_memory.data.signal import summarise
    from curse_of_memory.plotting import style

    smk = snakemake  # noqa: F821
    recs = pd.concat([pd.read_parquet(p) for p in smk.input.records], ignore_index=True)
    man = json.loads(open(smk.input.manifest).read())
    caption = f"{man['source']}, {man['model']}"
    LAYER_COLORS = {
        "crnn": ("#CDEED1", "#14A82F"),
        "lru": ("#F9EBD2", "#FCA50A"),
        "gru": ("#C4E0F0", "#1F77B4"),
    }
    GROUP_COLORS = {
        ("lru", "all_but_lambda"): "#FCCB0A",
        ("lru", "nu"): "#FCA50A",
        ("lru", "theta"): "#DB680A",
        ("crnn", "all_but_lambda"): "#14A82F",
        ("crnn", "lambda"): "#02741E",
        ("gru", "all_but_seq"): "#10418B",
        ("gru", "seq"): "#1F77B4",
    }

    for loss, norm_batches, out in (
        ("next", "all", smk.output.pdf),
        ("previous", "last", smk.output.published),
    ):
        act, grads = summarise(recs[recs.norm == "none"], loss=loss, batches="all")
        n_act, n_grads = summarise(recs[recs.arch == "crnn"], loss=loss, batches=norm_batches)
        fig, axes = style.figure(4.2, 1.2, ncols=3)
        fig.subplots_adjust(wspace=0.6)
        ax = axes[0]
        A = act[act.layer.isin([0, 3])].copy()
        for arch in ("crnn", "lru", "gru"):
            for layer, color in zip((0, 3), LAYER_COLORS[arch]):
                s = A[(A.arch == arch) & (A.layer == layer)].sort_values("t_mem")
                ax.plot(
                    s.t_mem,
                    s.activity,
                    color=color,
                    marker="o",
                    ms=1.5,
                    label=f"{SIGNAL_LABELS[arch]}, layer {layer}",
                )
        nu_axis(ax)
        ax.set_title(r"Variance $h_t$")
        ax.legend(fontsize=3.5, ncol=1, loc="upper left")
        ax = axes[1]
        B = grads[grads.layer == -1]
        for (arch, group), color in GROUP_COLORS.items():
            s = B[(B.arch == arch) & (B.group == group)].sort_values("t_mem")
            ax.plot(
                s.t_mem,
                s.grad_sq,
                color=color,
                marker="o",
                ms=1.5,
                label=f"{SIGNAL_LABELS[arch]}: {SIGNAL_LABELS[group]}",
            )
        nu_axis(ax)
        ax.set_title("Variance of the loss gradient")
        ax.legend(fontsize=3.5, loc="upper left")
        ax = axes[2]
        Cg = n_grads[(n_grads.layer == -1) & n_grads.norm.isin(["none", "layer"])]
        for norm, ls in (("none", "-"), ("layer", "--")):
            for group, color in (("lambda", "#02741E"), ("all_but_lambda", "#14A82F")):
                s = Cg[(Cg.norm == norm) & (Cg.group == group)].sort_values("t_mem")
                ax.plot(
                    s.t_mem,
                    s.grad_sq,
                    color=color,
                    ls=ls,
                    marker="o",
                    ms=1.5,
                    label=f"{'no norm' if norm == 'none' else 'LayerNorm'}: {SIGNAL_LABELS[group]}",
                )
        nu_axis(ax)
        ax.set_title("cRNN: effect of normalisation")
        ax.legend(fontsize=3.5, loc="upper left")
        variant = (
            "next-embedding loss, mean of all batches"
            if loss == "next"
            else "as published: previous-token loss; norm study on the last batch"
        )
        fig.suptitle(f"{caption}; {variant}", fontsize=4.5, y=1.08)
        data = {
            "A": A.rename(columns={"activity": "activity"})[
                ["arch", "layer", "t_mem", "nu_min", "activity", "recurrent_activity", "n_batches"]
            ],
            "B": B[["arch", "group", "t_mem", "nu_min", "grad_sq", "n_batches"]].assign(loss=loss),
            "C": n_grads[n_grads.layer == -1][
                ["norm", "group", "t_mem", "nu_min", "grad_sq", "n_batches"]
            ].assign(loss=loss),
        }
        style.save(fig, out, data=data, tier=smk.params.tier)

"""Fig 13: layer-wise gradients (LRU, cRNN, GRU) and the cRNN normalisation study (METHODS §5).

fig13.pdf: next-embedding loss, all batches; fig13_published.pdf: previous-token loss, norm study
on the last batch only (METHODS §7 item 12).
"""

from curse_of_memory.plotting.axes import SIGNAL_LABELS, nu_axis
from curse_of_memory.runlog import snakemake_log

with snakemake_log(snakemake):  # noqa: F821
    import json

    import matplotlib.colors as mcolors
    import pandas as pd

    from curse_of_memory.data.signal import summarise
    from curse_of_memory.plotting import style

    smk = snakemake  # noqa: F821
    recs = pd.concat([pd.read_parquet(p) for p in smk.input.records], ignore_index=True)
    man = json.loads(open(smk.input.manifest).read())
    caption = f"{man['source']}, {man['model']}"
    BASE = {
        ("lru", "all_but_lambda"): "#FCCB0A",
        ("lru", "nu"): "#FCA50A",
        ("lru", "theta"): "#DB680A",
        ("crnn", "all_but_lambda"): "#14A82F",
        ("crnn", "lambda"): "#02741E",
        ("gru", "all_but_seq"): "#10418B",
        ("gru", "seq"): "#1F77B4",
    }

    def shade(color, layer, n_layers):
        f = (n_layers - 1 - layer) / 5.0
        return tuple(f * 1.0 + (1 - f) * c for c in mcolors.to_rgb(color))

    for loss, norm_batches, out in (
        ("next", "all", smk.output.pdf),
        ("previous", "last", smk.output.published),
    ):
        act, grads = summarise(recs[recs.norm == "none"], loss=loss, batches="all")
        n_act, n_grads = summarise(recs[recs.arch == "crnn"], loss=loss, batches=norm_batches)
        fig = style.figure(5.5, 2.6)[0]
        fig.clf()
        top = fig.subplots(1, 3, sharey=True, gridspec_kw={"bottom": 0.6})
        layered = grads[grads.layer >= 0]
        n_layers = int(layered.layer.max()) + 1
        for ax, arch in zip(top, ("lru", "crnn", "gru")):
            for (a, group), color in BASE.items():
                if a != arch:
                    continue
                for layer in range(n_layers):
                    s = layered[
                        (layered.arch == arch) & (layered.group == group) & (layered.layer == layer)
                    ].sort_values("t_mem")
                    ax.plot(
                        s.t_mem,
                        s.grad_sq,
                        color=shade(color, layer, n_layers),
                        marker="o",
                        ms=1.2,
                        label=f"{SIGNAL_LABELS[group]}" if layer == n_layers - 1 else None,
                    )
            nu_axis(ax)
            ax.set_title(f"{SIGNAL_LABELS[arch]} (light = first layer)")
            ax.legend(fontsize=3.5, loc="upper left")
        top[0].set_ylabel("mean sq. gradient")
        bottom = fig.subplots(1, 3, gridspec_kw={"top": 0.42})
        ng = n_grads[n_grads.layer == -1]
        for ax, norms, title in (
            (bottom[0], ("none", "layer"), "cRNN: none vs LayerNorm (- -)"),
            (bottom[1], ("none", "batch"), "cRNN: none vs BatchNorm (- -)"),
        ):
            for norm in norms:
                ls = "-" if norm == "none" else "--"
                for group, color in (("lambda", "#02741E"), ("all_but_lambda", "#14A82F")):
                    s = ng[(ng.norm == norm) & (ng.group == group)].sort_values("t_mem")
                    ax.plot(
                        s.t_mem,
                        s.grad_sq,
                        color=color,
                        ls=ls,
                        marker="o",
                        ms=1.2,
                        label=SIGNAL_LABELS[group] if norm == "none" else None,
                    )
            nu_axis(ax)
            ax.set_title(title)
            ax.legend(fontsize=3.5, loc="upper left")
        ax = bottom[2]
        for norm, ls in (("none", "-"), ("layer", "--"), ("batch", ":")):
            for layer, color in ((0, "#CDEED1"), (n_layers - 1, "#14A82F")):
                s = n_act[(n_act.norm == norm) & (n_act.layer == layer)].sort_values("t_mem")
                ax.plot(
                    s.t_mem,
                    s.activity,
                    color=color,
                    ls=ls,
                    marker="o",
                    ms=1.2,
                    label=f"{norm}, layer {layer}",
                )
        nu_axis(ax)
        ax.set_title(r"cRNN: variance $h_t$ by norm")
        ax.legend(fontsize=3.2, ncol=2, loc="upper left")
        variant = (
            "next-embedding loss, mean of all batches"
            if loss == "next"
            else "as published: previous-token loss; norm study on the last batch"
        )
        fig.suptitle(f"{caption}; {variant}", fontsize=4.5, y=1.02)
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
        style.save(fig, out, data=data, tier=smk.params.tier)

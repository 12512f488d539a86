# From the aggregated tables (rule aggregate: train.smk, or reference.smk with runs=reference):
# the training figures 3 and 11, diagnostics and the hyperparameter tables 1-3 (the Fig 10 table
# is with the other Fig 10 rules in hessian.smk).
# Plot rules read aggregated tables only, so restyling a figure never retrains.


rule diagnostics:
    """Per cell: learning curves of every member, loss vs lr with the chosen lr and edge flag."""
    input:
        metrics=experiment_files("metrics.parquet"),
        by_lr="results/tables/{experiment}_by_lr.parquet",
        best="results/tables/{experiment}_best.parquet",
    output:
        directory("results/diagnostics/{experiment}"),
    log:
        "results/logs/diagnostics/{experiment}.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("aggregate.py"),
        cells=lambda wc: EXPERIMENTS[wc.experiment],
        tier=TIER,
    script:
        "../scripts/diagnostics.py"


rule fig3:
    """Fig 3: final loss vs nu0 (A) and the RNN -> LRU ablation at nu0 = 0.99 (B)."""
    input:
        panel_a=tables("fig3a"),
        panel_b=tables("fig3b"),
        reference=reference_tables("fig3a", "fig3b"),
        readings=PUBLISHED_READINGS,
    output:
        pdf=report(
            "paper/figures/fig3.pdf",
            caption="../report/fig3.rst",
            category="Figures",
            labels={"figure": "Fig 3"},
        ),
        published="paper/figures/fig3_published.pdf",
    log:
        "results/logs/fig3/fig3.log",
    localrule: True
    conda:
        ENV
    params:
        labels={f"{e}/{c}": v["meta"]["label"] for (e, c), v in CELLS.items()},
        tier=TIER,
        src=src_fingerprint("plotting", "figures.py"),
    script:
        "../scripts/fig3.py"


rule fig11:
    """Fig 11: loss vs number of heads (left), effective lr of A over training (right)."""
    input:
        best=tables("fig11"),
        history=tables("fig11", kind="history"),
        reference=reference_tables("fig11"),
        readings=PUBLISHED_READINGS,
    output:
        pdf=report(
            "paper/figures/fig11.pdf",
            caption="../report/fig11.rst",
            category="Figures",
            labels={"figure": "Fig 11"},
        ),
    log:
        "results/logs/fig11/fig11.log",
    localrule: True
    conda:
        ENV
    params:
        tier=TIER,
        src=src_fingerprint("plotting", "figures.py"),
    script:
        "../scripts/fig11.py"


rule hyperparameter_tables:
    """Tables 1-3 (Figs 3A, 3B, 10): settings from config.yaml plus the selected lrs."""
    input:
        best=tables("fig3a", "fig3b", "fig10"),
    output:
        md=expand("paper/tables/table{n}.md", n=[1, 2, 3]),
        tex=expand("paper/tables/table{n}.tex", n=[1, 2, 3]),
    log:
        "results/logs/hyperparameter_tables/tables.log",
    localrule: True
    conda:
        ENV
    params:
        cells={
            f"{e}/{c}": dict(v["meta"]["paper"], label=v["meta"]["label"])
            for (e, c), v in CELLS.items()
            if e in ("fig3a", "fig3b", "fig10")
        },
        tier=TIER,
        src=src_fingerprint("report/hparams.py"),
    script:
        "../scripts/hyperparameter_tables.py"

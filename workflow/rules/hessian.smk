# Hessians at the optimum and Adam's effective learning rates: Figs 4, 9 and 10.
#   hessians  the four students (dense RNN, complex diagonal, LRU, S4) set to the hand-built
#             4-unit teacher (hessian.draw: jax = the paper's draw, numpy = a second draw);
#             float64 Hessians of one batch loss, and S4 with Delta_raw in float32 (the original's)
#             -> results/hessian/
#   fig4      Hessians of the RNN and the complex diagonal RNN + their effective lrs after training
#   fig9      the same for the LRU and the S4-like SSM (+ fig9_published: S4 as published, its
#             init in the strip row and its Delta_raw in float32 in the Hessian column)
#   theory_hessians  Gauss-Newton lambda-Hessians of a complex diagonal network (Fig 10 top)
#   fig10_table      final loss vs theta0 of the trained cells, both remaps (Fig 10 bottom)
#   fig10     theory lambda-Hessians for three phase ranges + final loss vs theta0 (both remaps)
HESSIAN = CONFIG["hessian"]
# draw: jax = the paper's teacher and batch (JAX's PRNG), numpy = a second draw (METHODS §5 Fig 4)
HESSIAN_SETTINGS = {
    key: HESSIAN[key]
    for key in ("teacher_seed", "data_seed", "batch", "T", "s4_delta", "draw")
}
N_EIGVECS = HESSIAN["n_eigvecs"]
# plotted numbers written beside fig4.pdf / fig9*.pdf (paper/figures/<stem>_<part>.csv)
STRIP_PARTS = ["hessian", "spectrum", "eigvecs", "elr", "elr_summary"]
HESSIAN_FILES = {
    "npz": "results/hessian/optimum.npz",
    "summary": "results/hessian/optimum.json",
}


# {experiment: {cell: {final, model, label, variant}}} for the single runs trained in this tier
SINGLE_RUNS = {
    experiment: {
        cell: {
            "final": f"{cell_dir(e, cell)}/final.pt",
            "model": CELLS[(e, cell)]["cell"]["model"],
            "label": CELLS[(e, cell)]["meta"]["label"],
            "variant": CELLS[(e, cell)]["meta"]["variant"],
        }
        for e, cell in cells_of(experiment)
    }
    for experiment in ("fig4", "fig9")
}


rule hessians:
    """Figs 4/9 top: every student placed exactly at the hand-built teacher; float64 Hessians."""
    output:
        **HESSIAN_FILES,
    log:
        "results/logs/hessians/hessians.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("hessian", "models", "tasks/jax_rng.py"),
        settings=HESSIAN_SETTINGS,
    script:
        "../scripts/hessians.py"


rule fig4:
    """Fig 4: Hessians (RNN, complex diagonal) and effective lrs after training (fig4 runs)."""
    input:
        **HESSIAN_FILES,
        finals=[r["final"] for r in SINGLE_RUNS["fig4"].values()],
    output:
        pdf=report(
            "paper/figures/fig4.pdf",
            caption="../report/fig4.rst",
            category="Figures",
            labels={"figure": "Fig 4"},
        ),
        png="paper/figures/fig4.png",
        csv=expand("paper/figures/fig4_{part}.csv", part=STRIP_PARTS),
    log:
        "results/logs/fig4/fig4.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("hessian", "plotting", "figures.py"),
        runs=SINGLE_RUNS["fig4"],
        n_eigvecs=N_EIGVECS,
        tier=TIER,
    script:
        "../scripts/fig4.py"


rule fig9:
    """Fig 9: as Fig 4 for the LRU and the S4-like SSM; fig9_published uses the S4 as-published
    init run (METHODS §7 item 7) in the S4 row and the S4 optimum with Delta_raw in float32
    (METHODS §7, further notes) in the S4 Hessian column."""
    input:
        **HESSIAN_FILES,
        finals=[r["final"] for r in SINGLE_RUNS["fig9"].values()],
    output:
        pdf=report(
            "paper/figures/fig9.pdf",
            caption="../report/fig9.rst",
            category="Figures",
            labels={"figure": "Fig 9"},
        ),
        published="paper/figures/fig9_published.pdf",
        png=expand("paper/figures/{stem}.png", stem=["fig9", "fig9_published"]),
        csv=expand(
            "paper/figures/{stem}_{part}.csv",
            stem=["fig9", "fig9_published"],
            part=STRIP_PARTS,
        ),
    log:
        "results/logs/fig9/fig9.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("hessian", "plotting", "figures.py"),
        runs=SINGLE_RUNS["fig9"],
        n_eigvecs=N_EIGVECS,
        tier=TIER,
    script:
        "../scripts/fig9.py"


rule theory_hessians:
    """Fig 10 top: Gauss-Newton lambda-Hessians of a complex diagonal network for three phase ranges
    (theory.fig10.draw: jax = the paper's draw, numpy = a second draw)."""
    output:
        npz="results/theory/fig10_theory_hessians.npz",
        csv="results/theory/fig10_theory_hessians.csv",
    log:
        "results/logs/theory_hessians/theory_hessians.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("hessian", "theory", "tasks/jax_rng.py"),
        fig10=CONFIG["theory"]["fig10"],
    script:
        "../scripts/theory_hessians.py"


rule fig10_table:
    """Fig 10 bottom, both remaps, for the Hessian rules (which draw Fig 10)."""
    input:
        default=tables("fig10"),
        published=tables("fig10_published"),
    output:
        "results/tables/fig10.parquet",
    log:
        "results/logs/fig10_table/fig10_table.log",
    localrule: True
    conda:
        ENV
    params:
        skipped=[c for e, c in SKIPPED_CELLS if e == "fig10_published"],
    script:
        "../scripts/fig10_table.py"


rule fig10:
    """Fig 10: theory lambda-Hessians (top) and final loss vs theta0 (bottom); fig10_published
    with the as-published teacher remap (METHODS §7 item 4)."""
    input:
        theory=rules.theory_hessians.output.npz,
        table=rules.fig10_table.output[0],
        reference=reference_files("tables/fig10.parquet"),
        readings=PUBLISHED_READINGS,
    output:
        pdf=report(
            "paper/figures/fig10.pdf",
            caption="../report/fig10.rst",
            category="Figures",
            labels={"figure": "Fig 10"},
        ),
        published="paper/figures/fig10_published.pdf",
        png=expand("paper/figures/{stem}.png", stem=["fig10", "fig10_published"]),
        csv=expand(
            "paper/figures/{stem}_{part}.csv",
            stem=["fig10", "fig10_published"],
            part=["hessian", "spectrum", "eigvecs", "loss"],
        ),
    log:
        "results/logs/fig10/fig10.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("hessian", "plotting", "figures.py"),
        n_eigvecs=N_EIGVECS,
        tier=TIER,
    script:
        "../scripts/fig10.py"

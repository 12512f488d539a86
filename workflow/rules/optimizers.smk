# The optimizer study (beyond the paper): Fig 3A's nu0 sweep for the dense RNN, the 2x2
# block-diagonal RNN and the LRU x five optimizers.  Training and aggregation are the generic
# train_cell / aggregate rules (experiment `optimizers` in config.yaml); this file draws the
# figure, the best-lr table and the numbers of paper/sections/optimizers.tex.  Not trained in the
# test tier (its 6 training jobs are taken): there the figure is not a target.
_OPT_CELLS = {c: CELLS[(e, c)] for e, c in cells_of("optimizers")}
# the reference's provenance, read for the grid-edge rule's before/after when it holds the study
# (also when this run is itself built from the reference)
_OPT_PROVENANCE = (
    [str(REFERENCE_DIR / "provenance.json")]
    if REFERENCE is not None and "optimizers" in REFERENCE.get("experiments", [])
    else []
)


rule fig_optimizers:
    """Final loss vs nu0 per architecture and optimizer; best lrs and divergence counts."""
    input:
        best=tables("optimizers"),
        reference=reference_tables("optimizers"),
        provenance=_OPT_PROVENANCE,
    output:
        pdf=report(
            "paper/figures/fig_optimizers.pdf",
            caption="../report/fig_optimizers.rst",
            category="Figures",
            labels={"figure": "Optimizer study"},
        ),
        table="paper/tables/optimizers.tex",
        reference_table="paper/tables/optimizers_reference.tex",
        extension="paper/tables/optimizers_extension.tex",
        numbers="paper/generated/optimizers.tex",
    log:
        "results/logs/fig_optimizers/fig_optimizers.log",
    localrule: True
    conda:
        ENV
    params:
        tier=TIER,
        grids={c: v["cell"]["lrs"] for c, v in _OPT_CELLS.items()},
        paper_grids={c: v["meta"]["paper"]["lrs"] for c, v in _OPT_CELLS.items()},
        src=src_fingerprint(
            "claims/optimizers.py", "claims/core.py", "plotting", "figures.py"
        ),
    script:
        "../scripts/fig_optimizers.py"

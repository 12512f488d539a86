# Theory figures (METHODS §4, §5): closed forms on grids and the Fig 7 toy optimisation.
# No training; all of it runs in well under a minute on a 2-core CPU.
#   fig1, fig2, fig6   closed forms / autodiff curvature -> paper/figures/figN.pdf
#   fig7               six Adam / sign-descent trajectories in lock-step (+ fig7_published)
#   fig8               |S(lam, lam0, rho)| over the disk, exact S (+ fig8_published with S_vis)
# The theory Hessians of Fig 10 (top) are with the other Fig 10 rules in hessian.smk.
# The plotted numbers are the CSVs beside each figure (plotting.style.save); results/theory/
# keeps the raw arrays of Figs 7 and 8 (npz).
THEORY = CONFIG["theory"]
THEORY_SRC = src_fingerprint("theory", "plotting")


rule fig1:
    """Fig 1: sensitivity vs lambda, 1-D loss vs magnitude and angle."""
    output:
        pdf=report(
            "paper/figures/fig1.pdf",
            caption="../report/fig1.rst",
            category="Figures",
            labels={"figure": "Fig 1"},
        ),
    log:
        "results/logs/fig1/fig1.log",
    localrule: True
    conda:
        ENV
    params:
        src=THEORY_SRC,
        theory=THEORY,
        tier=TIER,
    script:
        "../scripts/fig1.py"


rule fig2:
    """Fig 2: normalised variance and normalised + exp-reparametrised sensitivity."""
    output:
        pdf=report(
            "paper/figures/fig2.pdf",
            caption="../report/fig2.rst",
            category="Figures",
            labels={"figure": "Fig 2"},
        ),
    log:
        "results/logs/fig2/fig2.log",
    localrule: True
    conda:
        ENV
    params:
        src=THEORY_SRC,
        theory=THEORY,
        tier=TIER,
    script:
        "../scripts/fig2.py"


rule fig6:
    """Fig 6: loss and curvature landscapes of the polar, exp and opt parametrisations."""
    output:
        pdf=report(
            "paper/figures/fig6.pdf",
            caption="../report/fig6.rst",
            category="Figures",
            labels={"figure": "Fig 6"},
        ),
    log:
        "results/logs/fig6/fig6.log",
    localrule: True
    conda:
        ENV
    params:
        src=THEORY_SRC,
        theory=THEORY,
        tier=TIER,
    script:
        "../scripts/fig6.py"


rule fig7:
    """Fig 7: learning the angle; real Adam (fig7) and the as-published sign descent."""
    output:
        pdf=report(
            "paper/figures/fig7.pdf",
            caption="../report/fig7.rst",
            category="Figures",
            labels={"figure": "Fig 7"},
        ),
        published="paper/figures/fig7_published.pdf",
        npz="results/theory/fig7_trajectories.npz",
    log:
        "results/logs/fig7/fig7.log",
    localrule: True
    conda:
        ENV
    params:
        src=THEORY_SRC,
        theory=THEORY,
        tier=TIER,
    script:
        "../scripts/fig7.py"


rule fig8:
    """Fig 8: |S(lam, lam0, rho)| over the unit disk; exact S (fig8) and S_vis (fig8_published)."""
    output:
        pdf=report(
            "paper/figures/fig8.pdf",
            caption="../report/fig8.rst",
            category="Figures",
            labels={"figure": "Fig 8"},
        ),
        published="paper/figures/fig8_published.pdf",
        npz="results/theory/fig8_grid.npz",
    log:
        "results/logs/fig8/fig8.log",
    localrule: True
    conda:
        ENV
    params:
        src=THEORY_SRC,
        theory=THEORY,
        tier=TIER,
    script:
        "../scripts/fig8.py"

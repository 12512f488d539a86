# curse-of-memory: regenerate every figure and table of Zucchet & Orvieto (NeurIPS 2024).
#
#   snakemake --cores all                       # default (quick) tier, ends with paper/main.pdf
#   snakemake --cores all --config tier=paper   # the paper's exact grids (GPU / cluster)
#   snakemake --cores all fig3                  # one figure and exactly what it needs
#   snakemake --profile slurm                   # on a Slurm cluster
#
# Rules live in workflow/rules/*.smk; each figure has a named target rule (fig1 ... fig15).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    experiment="[a-z0-9_]+",
    cell="[a-z0-9][a-z0-9-]*",


include: "workflow/rules/theory.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/hessian.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/optimizers.smk"
include: "workflow/rules/paper.smk"


rule all:
    default_target: True
    input:
        ALL_TARGETS,

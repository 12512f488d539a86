"""Rule `gru_sensitivity`: Fig 15 empirics and theory curves.

input.array (the embeddings cache), input.fit (rule autocorrelation) -> output.empirics (b, h_T,
diag dh_T/db per unit and seed, per setting) and output.theory (the diagonal theory's variances
on a grid of T, from the fit's a0, a1, r1)."""

import numpy as np
import pandas as pd
import torch

from curse_of_memory.data.embeddings import load_cache
from curse_of_memory.data.gru_jacobians import FIG15_SETTINGS, bias_sensitivities
from curse_of_memory.io import write_parquet
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.storage import writing
from curse_of_memory.theory.gru import load_constants, predictions


def empirics(x, cfg):
    """One row per unit and seed of every Fig 15 setting."""
    frames = []
    for name, scale_x, scale_h in FIG15_SETTINGS:
        res = bias_sensitivities(
            x,
            range(cfg["seeds"]),
            scale_x,
            scale_h,
            width=cfg["width"],
            t_min=cfg["t_min"],
            t_max=cfg["t_max"],
        )
        seeds = np.repeat(np.arange(cfg["seeds"]), cfg["width"])
        b = res["b"].reshape(-1)
        frames.append(
            pd.DataFrame(
                {
                    "setting": name,
                    "scale_x": scale_x,
                    "scale_h": scale_h,
                    "seed": seeds,
                    "unit": np.tile(np.arange(cfg["width"]), cfg["seeds"]),
                    "b": b,
                    "T": 1.0 / (1.0 - 1.0 / (1.0 + np.exp(-b.astype(np.float64)))),
                    "h": res["h"].reshape(-1),
                    "dh_db": res["dh_db"].reshape(-1),
                }
            )
        )
        print(f"{name}: {len(b)} points")
    return pd.concat(frames, ignore_index=True)


def main(smk):
    torch.set_num_threads(smk.threads)
    cfg = smk.params.data["fig15"]
    x, man = load_cache(smk.input.array, n=cfg["seeds"])
    emp = empirics(x, cfg)
    emp["source"], emp["model"] = man["source"], man["model"]
    with writing(smk.output.empirics):
        write_parquet(smk.output.empirics, emp)
    a0, a1, r1 = load_constants(smk.input.fit)
    grid = np.logspace(np.log10(2.0), np.log10(cfg["t_max"]), cfg["n_grid"])
    th = predictions(grid, a0, a1, r1)
    with writing(smk.output.theory):
        write_parquet(smk.output.theory, pd.DataFrame({**th, "a0": a0, "a1": a1, "r1": r1}))
    print(f"theory with a0={a0:.4g} a1={a1:.4g} r1={r1:.6f}")


with snakemake_log(snakemake):
    main(snakemake)

"""Aggregation rules (METHODS §1.6, §7 item 16) on hand-made tables with hand-computed answers."""

import math

import numpy as np
import pandas as pd
import pytest

from curse_of_memory import aggregate as agg


def _metrics(rows):
    """rows: (member, lr, seed, [loss per epoch], diverged) at one task point."""
    out = []
    for member, lr, seed, losses, diverged in rows:
        for epoch, loss in enumerate(losses):
            out.append(
                dict(
                    member=member,
                    nu0=0.99,
                    theta0=3.14,
                    lr=lr,
                    seed=seed,
                    epoch=epoch,
                    train_loss=loss,
                    grad_norm=1.0,
                    param_norm=1.0,
                    diverged=diverged and epoch == len(losses) - 1,
                )
            )
    df = pd.DataFrame(out)
    df["experiment"], df["cell"] = "fig3a", "lru"
    return df


def test_final_loss_is_last_epoch_and_nan_when_diverged():
    m = _metrics(
        [
            (0, 0.1, 0, [5.0, 2.0, 1.0], False),
            (1, 0.1, 1, [5.0, 3.0, float("nan")], True),
            (2, 0.1, 2, [5.0, 3.0, 4.0], True),
        ]
    )
    f = agg.final_losses(m).set_index("member")
    assert f.loc[0, "final_loss"] == 1.0 and not f.loc[0, "diverged"]
    assert math.isnan(f.loc[1, "final_loss"]) and f.loc[1, "diverged"]
    # a member flagged diverged keeps NaN even if its last logged number is finite
    assert math.isnan(f.loc[2, "final_loss"]) and f.loc[2, "diverged"]


def test_mean_sem_ddof1_and_best_lr():
    # lr 0.1: seeds 1, 2, 3 -> mean 2, sd 1, sem 1/sqrt(3); lr 0.01: 4, 4, 4 -> mean 4, sem 0
    m = _metrics(
        [
            (0, 0.1, 0, [1.0], False),
            (1, 0.1, 1, [2.0], False),
            (2, 0.1, 2, [3.0], False),
            (3, 0.01, 0, [4.0], False),
            (4, 0.01, 1, [4.0], False),
            (5, 0.01, 2, [4.0], False),
        ]
    )
    t = agg.by_lr(agg.final_losses(m))
    r = t.set_index("lr").loc[0.1]
    assert r["mean"] == pytest.approx(2.0) and r["sem"] == pytest.approx(1 / math.sqrt(3))
    assert t.set_index("lr").loc[0.01, "sem"] == 0.0
    b = agg.best_lr(t).iloc[0]
    assert b["lr"] == 0.1 and b["mean"] == pytest.approx(2.0) and not b["flagged"]
    assert b["lr_published"] == 0.1 and b["edge"]  # 0.1 is the largest of the grid {0.1, 0.01}


def test_lr_with_a_diverged_seed_is_not_eligible_but_published_rule_takes_it():
    # lr 1.0: seeds 0.5, 0.7 and one diverged -> published mean 0.6 (NaN skipped) beats lr 0.1
    # (mean 2.0); the default rule must skip lr 1.0 and take 0.1.
    m = _metrics(
        [
            (0, 1.0, 0, [0.5], False),
            (1, 1.0, 1, [0.7], False),
            (2, 1.0, 2, [np.inf], True),
            (3, 0.1, 0, [2.0], False),
            (4, 0.1, 1, [2.0], False),
            (5, 0.1, 2, [2.0], False),
            (6, 0.01, 0, [9.0], False),
            (7, 0.01, 1, [9.0], False),
            (8, 0.01, 2, [9.0], False),
        ]
    )
    t = agg.by_lr(agg.final_losses(m)).set_index("lr")
    assert t.loc[1.0, "n_diverged"] == 1 and not t.loc[1.0, "eligible"]
    assert math.isnan(t.loc[1.0, "mean"])
    assert t.loc[1.0, "mean_nan"] == pytest.approx(0.6)
    assert t.loc[1.0, "sem_nan"] == pytest.approx(math.sqrt(0.02) / math.sqrt(2))
    b = agg.best_lr(t.reset_index()).iloc[0]
    assert b["lr"] == 0.1 and b["mean"] == pytest.approx(2.0)
    assert not b["flagged"] and not b["edge"]  # 0.1 is interior to {1, 0.1, 0.01}
    assert b["lr_published"] == 1.0 and b["mean_published"] == pytest.approx(0.6)
    assert b["n_diverged_total"] == 1 and b["n_diverged"] == 0


def test_no_eligible_lr_falls_back_to_published_rule_and_flags():
    m = _metrics(
        [
            (0, 0.1, 0, [3.0], False),
            (1, 0.1, 1, [np.nan], True),
            (2, 0.01, 0, [1.0], False),
            (3, 0.01, 1, [np.nan], True),
        ]
    )
    b = agg.best_lr(agg.by_lr(agg.final_losses(m))).iloc[0]
    assert b["flagged"] and b["lr"] == 0.01 and b["mean"] == pytest.approx(1.0)
    assert math.isnan(b["sem"])  # one finite seed: SEM undefined (ddof 1)


def test_all_seeds_diverged_everywhere_gives_nan_flagged_point():
    m = _metrics([(0, 0.1, 0, [np.nan], True), (1, 0.01, 0, [np.nan], True)])
    b = agg.best_lr(agg.by_lr(agg.final_losses(m))).iloc[0]
    assert b["flagged"] and math.isnan(b["mean"]) and math.isnan(b["lr"])


def test_best_lr_is_per_configuration():
    a = _metrics([(0, 0.1, 0, [1.0], False), (1, 0.01, 0, [2.0], False)])
    c = _metrics([(0, 0.1, 0, [5.0], False), (1, 0.01, 0, [2.5], False)])
    c["cell"] = "rnn"
    b = agg.best_lr(agg.by_lr(agg.final_losses(pd.concat([a, c])))).set_index("cell")
    assert b.loc["lru", "lr"] == 0.1 and b.loc["rnn", "lr"] == 0.01


def test_normalise_divides_by_teacher_variance_of_the_point():
    t = pd.DataFrame(
        {"nu0": [0.5, 0.9], "theta0": [3.14, 3.14], "mean": [2.0, 2.0], "sem": [1.0, 1.0]}
    )
    v = pd.DataFrame({"nu0": [0.5, 0.9], "theta0": [3.14, 3.14], "teacher_var": [4.0, 0.5]})
    out = agg.normalise(t, v).set_index("nu0")
    assert out.loc[0.5, "mean_norm"] == 0.5 and out.loc[0.9, "mean_norm"] == 4.0
    assert out.loc[0.9, "sem_norm"] == 2.0


def test_history_means_over_seeds_and_excludes_diverged_members():
    m = _metrics(
        [
            (0, 0.1, 0, [4.0, 2.0], False),
            (1, 0.1, 1, [6.0, 4.0], False),
            (2, 0.1, 2, [5.0, np.nan], True),
        ]
    )
    elr = pd.DataFrame(
        {
            "member": [0, 0, 1, 1, 2, 2],
            "epoch": [0, 1] * 3,
            "group": ["A"] * 6,
            "mean": [1e-3, 1e-4, 3e-3, 3e-4, 7.0, 7.0],
            "std": 1.0,
            "min": 0.0,
            "nonpos_frac": [0.0, 0.5, 0.0, 0.0, 0.0, 0.0],
            "pos_mean": [1e-3, 4e-4, 3e-3, 2e-4, 7.0, 7.0],
        }
    )
    h = agg.history(m, elr).set_index("epoch")
    assert h.loc[0, "loss_mean"] == pytest.approx(5.0) and h.loc[1, "loss_mean"] == pytest.approx(
        3.0
    )
    assert h.loc[1, "loss_sem"] == pytest.approx(1.0)  # sd(2, 4) = sqrt(2), / sqrt(2)
    assert h.loc[0, "elr_A"] == pytest.approx(2e-3) and h.loc[1, "elr_A"] == pytest.approx(2e-4)
    assert h.loc[1, "nonpos_A"] == pytest.approx(0.25)
    assert h.loc[1, "elrpos_A"] == pytest.approx(
        3e-4
    )  # positive-entry scaling, diverged member out
    assert (h["n_diverged"] == 1).all() and (h["n_seeds"] == 3).all()


def test_missing_column_is_a_one_line_data_error():
    from curse_of_memory.errors import DataError

    with pytest.raises(DataError, match="lacks columns"):
        agg.final_losses(pd.DataFrame({"member": [0]}))


def test_median_over_seeds_beside_an_unchanged_mean():
    """The best table carries the seed median at the chosen lr, by the rule of its mean (all
    seeds; the finite seeds of a flagged point); the lr is still chosen on the mean."""
    # lr 0.1: seeds 1, 2, 30 -> mean 11, median 2; lr 0.01: 5, 5, 5 -> mean 5, median 5
    m = _metrics(
        [
            (0, 0.1, 0, [1.0], False),
            (1, 0.1, 1, [2.0], False),
            (2, 0.1, 2, [30.0], False),
            (3, 0.01, 0, [5.0], False),
            (4, 0.01, 1, [5.0], False),
            (5, 0.01, 2, [5.0], False),
        ]
    )
    t = agg.by_lr(agg.final_losses(m)).set_index("lr")
    assert t.loc[0.1, "median"] == 2.0 and t.loc[0.1, "mean"] == pytest.approx(11.0)
    b = agg.best_lr(t.reset_index()).iloc[0]
    assert b["lr"] == 0.01 and b["mean"] == 5.0 and b["median"] == 5.0  # chosen on the mean
    # a diverged seed: the median is NaN as the mean; a flagged point takes the finite seeds'
    m = _metrics(
        [
            (0, 0.1, 0, [1.0], False),
            (1, 0.1, 1, [3.0], False),
            (2, 0.1, 2, [4.0], False),
            (3, 0.1, 3, [np.nan], True),
        ]
    )
    t = agg.by_lr(agg.final_losses(m))
    assert math.isnan(t["median"].iloc[0]) and t["median_nan"].iloc[0] == 3.0
    b = agg.best_lr(t).iloc[0]
    assert b["flagged"] and b["mean"] == pytest.approx(8 / 3) and b["median"] == 3.0
    empty = agg.best_lr(agg.by_lr(agg.final_losses(_metrics([(0, 0.1, 0, [np.nan], True)]))))
    assert math.isnan(empty["median"].iloc[0])

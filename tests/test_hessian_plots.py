"""The Hessian panel routine and the effective-lr strip plots (METHODS §5 Figs 4, 9, 10)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from curse_of_memory import hessian as hs  # noqa: E402
from curse_of_memory.errors import ConfigError, DataError  # noqa: E402
from curse_of_memory.plotting import hessian_panels as hp  # noqa: E402


def test_hessian_column_labels_gaps_and_spectrum():
    rng = np.random.default_rng(1)
    M = rng.standard_normal((5, 5))
    H = M @ M.T * 100
    fig, axes = plt.subplots(3, 1)
    labels = [r"$\lambda_{\mathrm{re}}$", r"$\lambda_{\mathrm{im}}$", "$D$"]
    out = hp.hessian_column(axes, H, [2, 2, 1], labels, [1, 2], n_vecs=3, eig_top=1e4)
    # labels in the caller's order, top and left
    assert [t.get_text() for t in axes[0].get_xticklabels()] == labels
    assert [t.get_text() for t in axes[0].get_yticklabels()] == labels
    img = axes[0].get_images()[0].get_array()
    assert img.shape == (8, 8)
    gaps = np.isnan(np.ma.filled(img.astype(float), np.nan))
    assert gaps.all(0).sum() == 3 and gaps.all(1).sum() == 3 and gaps.sum() == 8 * 8 - 5 * 5
    # the colour scale is symmetric at max|H|
    norm = axes[0].get_images()[0].norm
    assert norm.vmin == -np.abs(H).max() and norm.vmax == np.abs(H).max()
    np.testing.assert_allclose(out["eigvals"], np.sort(np.linalg.eigvalsh(H))[::-1], rtol=1e-10)
    assert out["eigvecs"].shape == (3, 5)
    assert axes[2].get_ylim() == pytest.approx((1e-8, 1e5))
    plt.close(fig)


def test_strip_counts_nonpositive_entries_instead_of_dropping_them():
    fig, ax = plt.subplots()
    e = np.array([-1e-4, 0.0, np.nan, 1e-3, 1e-5])
    res = hp.strip(ax, [("a", e), ("b", np.array([2e-3]))], base_lr=1e-3)
    assert res[0]["n"] == 5 and res[0]["n_nonpos"] == 3 and res[1]["n_nonpos"] == 0
    assert res[0]["log10_min"] == pytest.approx(-5) and res[0]["log10_max"] == pytest.approx(-3)
    shown = sum(len(c.get_offsets()) for c in ax.collections)
    assert shown == 3  # 2 positive entries of a + 1 of b
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["3≤0"]
    plt.close(fig)


def test_elr_by_group_takes_the_right_rows_and_members():
    N = 3
    elr = {
        "lam_raw": torch.stack(
            [
                torch.stack([torch.full((N,), 1.0), torch.full((N,), 2.0)]),
                torch.stack([torch.full((N,), 3.0), torch.full((N,), 4.0)]),
            ]
        ),
        "B_re": torch.full((2, N, 1), 5.0),
        "B_im": torch.full((2, N, 1), 6.0),
        "C_re": torch.full((2, 1, N), 7.0),
        "C_im": torch.full((2, 1, N), 8.0),
        "D": torch.full((2, 1, 1), 9.0),
    }
    g0 = hs.elr_by_group(elr, "crnn", member=0)
    g1 = hs.elr_by_group(elr, "crnn", member=1)
    assert [g[0] for g in g0] == ["lambda_re", "lambda_im", "B_re", "B_im", "C_re", "C_im", "D"]
    assert [float(g[2].mean()) for g in g0] == [1, 2, 5, 6, 7, 8, 9]
    assert [float(g[2].mean()) for g in g1][:2] == [3, 4]
    assert [g[2].size for g in g0] == [N, N, N, N, N, N, 1]
    with pytest.raises(DataError):
        hs.elr_by_group({"A": torch.zeros(1, 1, 2, 2)}, "crnn")


def test_kind_of_model_and_unknown_model():
    assert hs.kind_of_model({"name": "lru", "param": "reim", "gamma": "none"}) == "crnn"
    assert hs.kind_of_model({"name": "lru", "param": "exp", "gamma": "learned"}) == "lru"
    assert hs.kind_of_model({"name": "s4", "init": "published"}) == "s4"
    with pytest.raises(ConfigError):
        hs.kind_of_model({"name": "lru", "param": "polar", "gamma": "none"})


def test_read_final_rejects_a_file_without_effective_lrs(tmp_path):
    path = tmp_path / "final.pt"
    torch.save({"params": {}}, path)
    with pytest.raises(DataError):
        hs.read_final(path)
    torch.save({"elr_params": {"D": torch.ones(1, 1, 1)}, "members": [{"member": 0}]}, path)
    with pytest.raises(DataError):  # no learning rate
        hs.read_final(path)
    (tmp_path / "bad.pt").write_text("not a torch file")
    with pytest.raises(DataError):
        hs.read_final(tmp_path / "bad.pt")


def test_probe_ceiling():
    assert hs.probe_ceiling(1e-3, 10_000) == pytest.approx(1e-3 * 0.1 / np.sqrt(1e-3), rel=1e-4)
    assert hs.probe_ceiling(1e-3, 0) == pytest.approx(1e-3 / (1 + 1e-8), rel=1e-12)


def test_theta0_labels():
    assert hp.theta0_label(np.pi) == r"$\pi$"
    assert hp.theta0_label(np.pi / 100) == r"$\pi/100$"
    assert hp.theta0_label(0.5) == "0.5"


def test_fig10_loss_rows_name_their_source():
    """Fig 10 bottom: this run, the reference and the published readings in one column
    ``source``; the training table's own ``source`` is kept as ``origin``."""
    import pandas as pd

    table = pd.DataFrame(
        {
            "model": ["rnn", "lru"],
            "remap": "default",
            "theta0": [0.0314, 0.0314],
            "mean": [1e-3, 1e-4],
            "sem": [1e-4, 1e-5],
            "lr": 1e-3,
            "n_seeds": 3,
            "n_diverged": 0,
            "source": "fig10",
        }
    )
    published = pd.DataFrame({"series": ["rnn"], "x": [0.0314], "published": [2e-3]})
    fig, ax = plt.subplots()
    rows = hp.loss_vs_theta0(
        ax, table, "default", reference=table.assign(mean=1e-2), published=published
    )
    plt.close(fig)
    assert list(rows.columns[:3]) == ["model", "remap", "source"]
    assert rows.groupby("source").size().to_dict() == {
        "paper-tier reference": 2,
        "published": 1,
        "this run": 2,
    }
    assert set(rows["origin"].dropna()) == {"fig10"}
    # drawn in the spec's order and colours (curse_of_memory.figures.FIG10)
    assert [m for m, _, _ in hp.FIG10_MODELS] == ["rnn", "crnn", "lru"]
    assert list(rows.loc[rows["source"] == "this run", "model"]) == ["rnn", "lru"]

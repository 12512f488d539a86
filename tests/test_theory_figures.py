"""The plotted theory numbers show METHODS §5's expected behaviour (small grids, fast)."""

import numpy as np

from curse_of_memory.hessian import fig10_theory_hessians
from curse_of_memory.theory import figdata as fd


def test_fig1_sensitivity_outgrows_activity_and_loss_sharpens():
    d = fd.fig1_data(n=2000)
    A = d["A"]
    var = A[A["curve"] == "variance"].set_index("x")["y"]
    near_one = A["x"].max()
    for rho in fd.RHOS:
        sens = A[(A["curve"] == "rho") & (A["rho"] == rho)].set_index("x")["y"]
        assert sens[near_one] > 1e3 * var[near_one]  # much faster than the grey activity curve
    # curvature of the loss at the optimum grows as lambda* -> 1 (narrower notch)
    B = d["B"]
    widths = []
    for ls_ in fd.LAMBDA_STARS:
        b = B[B["lam_star"] == ls_]
        widths.append(np.ptp(b["lam"][b["loss"] < 1e-2]))
    # LAMBDA_STARS run from 0.99 down to 0.36: the notch widens (the first ones are below the grid)
    assert np.all(np.diff(widths) >= 0) and widths[-1] > 10 * max(widths[0], 1e-3)


def test_fig2_normalised_reparametrised_curves_bounded_for_rho_below_one():
    d = fd.fig2_data(n=400)
    R = d["right"]
    L = d["left"]
    for rho in fd.RHOS:
        r = R[(R["curve"] == "rho") & (R["rho"] == rho)].sort_values("x")
        l_ = L[(L["curve"] == "rho") & (L["rho"] == rho)].sort_values("x")
        if rho < 1:
            # limits (1+rho)/(2(1-rho)) (METHODS §4.4) and (1+rho)/(1-rho) (METHODS §4.3)
            assert r["y"].iloc[-1] < 1.01 * (1 + rho) / (2 * (1 - rho))
            assert l_["y"].iloc[-1] < 1.0001 * (1 + rho) / (1 - rho)
        else:
            # grows like (1 - lam)^-1: x from 3 to 4 multiplies it by about 10
            y3 = np.interp(3.0, r["x"], r["y"])
            assert 5 < r["y"].iloc[-1] / y3 < 20
        grey = R[R["curve"] == "without_gamma_and_exp"].sort_values("x")["y"].iloc[-1]
        assert grey > 1e6 * r["y"].iloc[-1]


def test_fig6_curvature_at_optimum_matches_table():
    d = fd.fig6_data(n=50, n_polar_angle=50)
    opt = d["optimum"]
    np.testing.assert_allclose(opt["curvature_autodiff"], opt["curvature_closed_form"], rtol=1e-8)
    assert (opt["loss_at_optimum"].abs() < 1e-12).all()
    exp_mag = opt[(opt["param"] == "exp") & (opt["column"] == "magnitude")]["curvature_autodiff"]
    assert exp_mag.max() < 0.25  # bounded for every lambda*
    polar_ang = opt[(opt["param"] == "polar") & (opt["column"] == "angle")].sort_values("lam_star")
    assert polar_ang["curvature_autodiff"].is_monotonic_increasing


def test_fig8_peaks_move_from_conjugate_to_one():
    exact = fd.fig8_data(n_nu=40, n_theta=120)[1].set_index("rho")
    pub = fd.fig8_data(n_nu=40, n_theta=120, published=True)[1].set_index("rho")
    assert exact.loc[0.0, "abs_S_at_conj_lam0"] > 1e3 * exact.loc[0.0, "abs_S_at_lam_near_1"]
    assert exact.loc[1.0, "abs_S_at_lam_near_1"] > 1e2 * exact.loc[1.0, "abs_S_at_conj_lam0"]
    np.testing.assert_allclose(pub.loc[0.0, "abs_S_max"], exact.loc[0.0, "abs_S_max"], rtol=1e-12)
    assert abs(pub.loc[0.9, "abs_S_at_conj_lam0"] / exact.loc[0.9, "abs_S_at_conj_lam0"] - 1) > 0.1


def test_fig10_concentrated_phases_sharpen_and_densify_hessian():
    d = fig10_theory_hessians([np.pi / 100, np.pi / 10, np.pi])
    top = d["eigvals"][:, 0]
    assert top[0] > top[1] > top[2]
    diag_frac = [np.sum(np.diag(H) ** 2) / np.sum(H**2) for H in d["H"]]
    assert diag_frac[0] < diag_frac[2]

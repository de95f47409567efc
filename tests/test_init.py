import numpy as np
import pytest

import nnlab as nl
from nnlab import init


@pytest.mark.parametrize(
    "name, n_in, n_out, expected_var",
    [
        ("glorot_uniform", 300, 200, 2 / 500),
        ("glorot_normal", 300, 200, 2 / 500),
        ("he_normal", 300, 200, 2 / 300),
        ("he_uniform", 300, 200, 2 / 300),
    ],
)
def test_variance_matches_the_formula(name, n_in, n_out, expected_var):
    W = init.get_initializer(name)(n_in, n_out, rng=np.random.default_rng(0))
    assert W.shape == (n_in, n_out)
    assert W.var() == pytest.approx(expected_var, rel=0.02)
    assert abs(W.mean()) < 0.01


def test_uniform_limits():
    W = init.glorot_uniform(30, 20, rng=np.random.default_rng(1))
    limit = np.sqrt(6 / 50)
    assert W.max() <= limit and W.min() >= -limit and W.max() > 0.95 * limit


def test_normal_std_and_seeding():
    a = init.normal(400, 100, std=0.5, rng=np.random.default_rng(3))
    b = init.normal(400, 100, std=0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.std() == pytest.approx(0.5, rel=0.02)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        init.he_normal(3, 4, rng=0)
    with pytest.raises(ValueError, match="n_in: expected a positive integer"):
        init.he_normal(0, 4, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="std: expected a positive"):
        init.normal(3, 4, std=-1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="init: expected one of"):
        init.get_initializer("kaiming")


@pytest.mark.parametrize("name", sorted(nl.init.INITIALIZERS))
def test_weight_std_is_the_spread_each_initialiser_draws(name):
    """init.weight_std, which the probe and its theory read, is the standard deviation the initialiser draws."""
    kwargs = {"std": 0.3} if name == "normal" else {}
    W = nl.init.get_initializer(name)(400, 600, rng=np.random.default_rng(0), **kwargs)
    expected = nl.init.weight_std(name, 400, 600, **kwargs)
    assert W.std() == pytest.approx(expected, rel=0.01)   # 240,000 draws: the sample std is within 0.3%
    assert expected == pytest.approx({"normal": 0.3}.get(name, np.sqrt(2 / 1000) if "glorot" in name
                                                          else np.sqrt(2 / 400)), rel=1e-15)


def test_the_probes_networks_take_the_same_rule():
    net = nl.gradients.DeepNet(3, 50, "relu", "glorot_normal")
    assert net.weight_std(50, 70) == nl.init.weight_std("glorot_normal", 50, 70) == np.sqrt(2 / 120)
    assert nl.gradients.DeepNet(3, 50, init="normal", std=0.25).weight_std(50, 50) == 0.25
    with pytest.raises(ValueError, match="std: expected a positive standard deviation"):
        nl.init.weight_std("normal", 3, 4)

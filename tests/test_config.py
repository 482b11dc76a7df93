"""RunConfig (playground/config.py): validation messages, JSON and URL round trips, URL robustness."""
import json
from dataclasses import fields

import pytest

from playground.config import ConfigError, RunConfig
from playground.datasets import DATASETS


def _error(**kw) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        RunConfig(**kw).validate()
    return info.value


def _is_sentence(msg: str) -> bool:
    return (msg[:1].isalpha() and msg.rstrip().endswith(".") and "\n" not in msg
            and "Traceback" not in msg and len(msg.split()) >= 5)


# ----- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize("kw,field,words", [
    (dict(g_lr=-1e-3), "g_lr", ["generator", "learning rate", "positive", "-0.001"]),
    (dict(d_lr=-1.0), "d_lr", ["critic", "learning rate", "positive"]),
    (dict(d_lr=float("nan")), "d_lr", ["critic", "learning rate"]),
    (dict(n_critic=0), "n_critic", ["n_critic", "≥ 1", "got 0"]),
    (dict(n_critic=-3), "n_critic", ["n_critic", "got -3"]),
    (dict(clip=0.0), "clip", ["clipping value", "positive"]),
    (dict(clip=-0.01), "clip", ["clipping value", "-0.01"]),
    (dict(loss="nope"), "loss", ["Unknown loss 'nope'", "wgan", "hinge"]),
    (dict(lipschitz="magic"), "lipschitz", ["Lipschitz", "'magic'", "gp"]),
    (dict(dataset="custom1d", mixture="1, 2"), "mixture", ["mixture", "component 1", "3 numbers"]),
    (dict(dataset="custom1d", mixture="0.5, 0, 1; 0.5, x, 1"), "mixture", ["mixture", "component 2", "numbers"]),
    (dict(dataset="custom2d", mixture="1, 0, 0, -1"), "mixture", ["mixture", "positive σ"]),
    (dict(dataset="custom1d", mixture="-1, 0, 1"), "mixture", ["mixture", "positive weight"]),
    (dict(dataset="custom1d", mixture=" ; "), "mixture", ["mixture", "empty"]),
    (dict(batch_size=1), "batch_size", ["batch size", "got 1"]),
])
def test_validation_messages(kw, field, words):
    e = _error(**kw)
    msg = str(e)
    assert e.field == field
    assert _is_sentence(msg), msg
    for w in words:
        assert w in msg, (w, msg)


def test_defaults_and_typical_configs_validate():
    assert RunConfig().validate() == RunConfig()
    RunConfig(dataset="custom1d", mixture="0.3, -1, 0.2; 0.7, 2, 0.5").validate()
    RunConfig(loss="wgan", lipschitz="gp", n_critic=5, penalty=0.0).validate()


def test_config_is_frozen():
    with pytest.raises(Exception):
        RunConfig().g_lr = 1.0  # type: ignore[misc]


# ----- JSON -------------------------------------------------------------------------------------
NON_DEFAULT = [
    RunConfig(dataset="grid25", loss="wgan", lipschitz="gp", n_critic=5, g_lr=1e-4, d_lr=3.3e-4,
              g_beta1=0.0, g_beta2=0.9, d_beta1=0.0, d_beta2=0.9, penalty=10.0, seed=123),
    RunConfig(dataset="custom1d", mixture="0.2, -1.5, 0.3; 0.8, 2, 0.25", loss="hinge", lipschitz="sn",
              g_optim="rmsprop", d_optim="sgd", g_lr=0.1 + 0.2, batch_size=100, noise="uniform", noise_dim=7),
    RunConfig(dataset="custom2d", mixture="1, 0, 0, 0.1; 2, 3, -3, 0.4", loss="ragan", lipschitz="r1",
              penalty=0.5, activation="leaky_relu", g_width=17, d_depth=1, seed=2**40, device="cpu"),
    RunConfig(dataset="two_modes1d", loss="minimax", lipschitz="clip", clip=0.05, activation="tanh"),
]


@pytest.mark.parametrize("cfg", NON_DEFAULT, ids=lambda c: c.dataset)
def test_json_round_trip(cfg):
    cfg.validate()
    assert cfg != RunConfig()
    text = json.dumps(cfg.to_dict())
    back = RunConfig.from_dict(json.loads(text))
    assert back == cfg
    assert RunConfig.from_dict(json.loads(cfg.to_json())) == cfg
    assert all(type(getattr(back, f.name)) is type(getattr(cfg, f.name)) for f in fields(RunConfig))


def test_from_dict_is_strict():
    with pytest.raises(ConfigError, match="Unknown setting"):
        RunConfig.from_dict({"dataset": "ring8", "learning_rate": 1.0})
    with pytest.raises(ConfigError, match="n_critic"):
        RunConfig.from_dict({"n_critic": 2.5})
    with pytest.raises(ConfigError, match="loss"):
        RunConfig.from_dict({"loss": 3})
    assert RunConfig.from_dict({"n_critic": 5.0, "g_lr": 1}).n_critic == 5  # whole floats and ints are fine


# ----- URL --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cfg", NON_DEFAULT, ids=lambda c: c.dataset)
def test_url_round_trip(cfg):
    q = cfg.to_query()
    assert q and all(isinstance(k, str) and isinstance(v, str) for k, v in q.items())
    assert all(getattr(cfg, k) != getattr(RunConfig(), k) for k in q)  # only what differs from defaults
    back, warnings = RunConfig.from_query(q)
    assert warnings == []
    assert back == cfg


def test_url_of_defaults_is_empty():
    assert RunConfig().to_query() == {}
    assert RunConfig.from_query({}) == (RunConfig(), [])


def test_url_values_may_come_as_lists():
    cfg, warnings = RunConfig.from_query({"loss": ["ns", "wgan"], "n_critic": ["5"]})
    assert (cfg.loss, cfg.n_critic, warnings) == ("wgan", 5, [])


@pytest.mark.parametrize("key,raw", [("g_lr", "abc"), ("n_critic", "-3"), ("loss", "nope"), ("clip", "0"),
                                     ("batch_size", "1e3"), ("d_lr", "nan"), ("seed", "-1"),
                                     ("dataset", "imagenet"), ("mixture", "1,2")])
def test_malformed_url_value_falls_back_with_a_warning(key, raw):
    q = {key: raw, "dataset": "custom1d"} if key == "mixture" else {key: raw}
    cfg, warnings = RunConfig.from_query(q)
    assert getattr(cfg, key) == getattr(RunConfig(), key)
    assert len(warnings) == 1
    assert key in warnings[0] and raw in warnings[0]
    cfg.validate()


def test_malformed_url_keeps_the_good_parameters():
    cfg, warnings = RunConfig.from_query({"g_lr": "abc", "n_critic": "-3", "loss": "nope", "d_lr": "0.001",
                                          "lipschitz": "gp", "utm_source": "slides", "page": "toy"})
    assert cfg == RunConfig(d_lr=0.001, lipschitz="gp")
    assert len(warnings) == 3                         # unknown keys are ignored silently
    assert not any("utm_source" in w or "page" in w for w in warnings)


@pytest.mark.skipif("mnist" not in DATASETS, reason="no MNIST dataset registered")
def test_url_mnist_dcgan():
    cfg, warnings = RunConfig.from_query({"dataset": "mnist", "arch": "dcgan", "digits": "38"})
    assert warnings == []
    assert (cfg.dataset, cfg.arch, cfg.digits) == ("mnist", "dcgan", "38")
    # an architecture that does not fit the dataset is reverted, with a warning
    cfg2, warnings2 = RunConfig.from_query({"dataset": "ring8", "arch": "dcgan"})
    assert cfg2.arch == "mlp" and len(warnings2) == 1 and "arch" in warnings2[0]


GARBAGE = ["", " ", "abc", "-1", "0", "1e400", "-inf", "nan", "1.5", "99999999999999999999999", "None",
           "[]", "{}", "ns;drop table", "%00", "\u2603", "0x10", "true"]


def test_from_query_never_raises():
    for f in fields(RunConfig):
        for raw in GARBAGE + [None, 3, 2.5, [], ["a", "b"], {"x": 1}]:
            cfg, warnings = RunConfig.from_query({f.name: raw})
            assert isinstance(warnings, list)
            cfg.validate()  # whatever came in, the result is a usable config


def test_parse_value():
    assert RunConfig.parse_value("g_lr", "1e-3") == pytest.approx(1e-3)
    assert RunConfig.parse_value("n_critic", " 5 ") == 5
    assert RunConfig.parse_value("loss", "wgan") == "wgan"
    with pytest.raises(ConfigError, match="n_critic"):
        RunConfig.parse_value("n_critic", "five")
    with pytest.raises(ConfigError, match="g_lr"):
        RunConfig.parse_value("g_lr", "fast")

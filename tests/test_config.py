"""The config parser takes anything a form, a CLI or a JSON file may hand it: valid settings or a ConfigError."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from genlib.training.configs import GANTrainConfig, VAETrainConfig, parse_config
from genlib.errors import ConfigError
from genlib.models import GANConfig, VAEConfig

anything = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                     st.text(max_size=12), st.sampled_from(["1", "0", "-1", "1e-3", "nan", "inf", "mlp", "auto"]))


def settings_for(cls):
    import dataclasses
    names = [f.name for f in dataclasses.fields(cls)]
    return st.dictionaries(st.sampled_from(names), anything, max_size=len(names))


@pytest.mark.parametrize("cls", [VAETrainConfig, GANTrainConfig, VAEConfig, GANConfig])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_parser_returns_valid_config_or_config_error(cls, data):
    values = data.draw(settings_for(cls))
    try:
        cfg = parse_config(cls, values)
    except ConfigError as err:
        assert str(err) and "\n" not in str(err)
        return
    cfg.validate()  # what came back is valid
    for name in ("epochs", "batch_size", "latent_dim"):
        if hasattr(cfg, name):
            assert isinstance(getattr(cfg, name), int) and getattr(cfg, name) >= 1
    for name in ("lr", "lr_g", "lr_d", "kl_weight"):
        if hasattr(cfg, name):
            assert math.isfinite(getattr(cfg, name)) and getattr(cfg, name) >= 0


@pytest.mark.parametrize("values, message", [
    ({"epochs": 0}, "epochs must be between 1"),
    ({"kl_weight": -0.1}, "kl_weight must be in [0, 10000]"),
    ({"lr": "abc"}, "lr must be a number"),
    ({"lr": -1e-3}, "lr must be in (0, 1]"),
    ({"epochs": 2.5}, "epochs must be a whole number"),
    ({"train_limit": 10, "batch_size": 128}, "larger than the training set"),
    ({"colour": "red"}, "Unknown setting(s) for VAETrainConfig: colour"),
])
def test_each_bad_setting_is_named(values, message):
    with pytest.raises(ConfigError) as err:
        parse_config(VAETrainConfig, values)
    assert message in str(err.value)


def test_strings_from_a_command_line_convert():
    cfg = parse_config(VAETrainConfig, {"epochs": "3", "kl_weight": "0", "train_limit": "none"})
    assert cfg.epochs == 3 and cfg.kl_weight == 0.0 and cfg.train_limit is None

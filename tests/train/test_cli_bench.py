import pytest
import yaml
from typer.testing import CliRunner

from designgan.cli import app  # the real command tree, as `designgan` mounts it
from designgan.config import to_dict
from designgan.errors import ConfigError
from designgan.train.bench import bench_train, reference_config
from designgan.train.checkpoint import latest_checkpoint

from .conftest import tiny_config


def test_train_command_then_resume(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path / "run", steps=2, checkpoint_every=1)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(to_dict(config)))
    runner = CliRunner()
    result = runner.invoke(app, ["train", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert latest_checkpoint(tmp_path / "run").name == "step_00000002"
    result = runner.invoke(app, ["train", "--resume", str(tmp_path / "run"), "--set", "train.steps=3"])
    assert result.exit_code == 0, result.output
    assert latest_checkpoint(tmp_path / "run").name == "step_00000003"


def test_train_command_errors_are_config_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["train"])
    assert isinstance(result.exception, ConfigError)
    result = runner.invoke(app, ["train", "--resume", str(tmp_path)])
    assert isinstance(result.exception, ConfigError) and "config.yaml" in str(result.exception)


def test_bench_reports_both_models_and_ratio(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path)
    result = bench_train(config, steps=1, warmup=1, reference_size=(32, 24))
    ours, ref = result["designgan"], result["reference_cyclegan"]
    assert ours["step_s"] > 0 and ours["tflop_per_step"] > 0 and ours["peak_memory_mb"] > 0
    assert ref["generator"] == "cyclegan_resnet" and ref["precision"] == "fp32" and ref["batch"] == 1
    # The reference ResNet-9 (ngf 64) does far more work per step than the tiny DesignGAN model.
    assert ref["tflop_per_step"] > ours["tflop_per_step"]
    assert result["speedup_vs_reference"] == pytest.approx(ref["step_s"] / (ours["step_s"] / ours["batch"]), rel=0.01)


def test_reference_config_is_the_public_setting(train_data, tmp_path):
    ref = reference_config(tiny_config(train_data, tmp_path))
    assert ref.data.size == (300, 200) and ref.train.precision == "fp32" and ref.train.batch_size == 1
    assert (ref.model.generator, ref.model.ngf, ref.model.n_blocks) == ("cyclegan_resnet", 64, 9)
    assert ref.model.discriminator == "patchgan" and ref.loss.style == 0 and ref.loss.identity == 5.0

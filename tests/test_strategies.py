"""``configs/strategies/*.yaml`` parse, as LightningCLI parses ``--trainer.strategy``, into the
strategy they promise. FSDP itself needs CUDA (Lightning refuses it on CPU), so training under it
is not run here; what is checked is that the file names real classes and that the unit it wraps
is the block class zoo's backbones are made of (a renamed class would silently wrap nothing)."""

from pathlib import Path
from typing import Union

import yaml
from jsonargparse import ArgumentParser
from lightning.pytorch.strategies import FSDPStrategy, Strategy

import zoo

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "strategies" / "fsdp.yaml"


def test_fsdp_config_wraps_the_backbone_blocks():
    config = yaml.safe_load(CONFIG.read_text())["trainer"]
    assert config["accelerator"] == "gpu"
    parser = ArgumentParser(exit_on_error=False)
    parser.add_argument("--strategy", type=Union[str, Strategy])
    strategy = parser.instantiate_classes(parser.parse_object({"strategy": config["strategy"]})).strategy
    assert isinstance(strategy, FSDPStrategy)
    assert strategy.kwargs["use_orig_params"] is True  # frozen and trained parameters in one unit
    policy = strategy.kwargs["auto_wrap_policy"]
    model = zoo.create_model("full_recognition_tiny", num_classes=3, backbone_pretrained=False)
    blocks = list(model.model.backbone.blocks) + list(model.model.backbone.text_blocks
                                                       if model.model.has_text_tower else [])
    wrapped = {type(block) for block in blocks}
    assert wrapped == set(policy._module_classes)
    checkpointed = strategy._activation_checkpointing_kwargs["auto_wrap_policy"]
    assert set(checkpointed._module_classes) == wrapped

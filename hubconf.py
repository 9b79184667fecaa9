"""torch.hub entry points of zoo. GENERATED from checkpoints/index.json by `zoo sync`; do not edit.

    model = torch.hub.load("zoo-org/zoo:v0.1.0", "postnet_recognition_tiny", pretrained=True, trust_repo=True)

Weights load from the checkpoints shipped in the repository or from the Hugging Face Hub into the
Hugging Face cache ($HF_HUB_CACHE), not ~/.cache/torch/hub/checkpoints.
"""

import os as _os
import sys as _sys

# torch.hub imports this file from its code cache; make that checkout's `zoo` importable.
_REPO_DIR = _os.path.dirname(_os.path.abspath(__file__))
if _REPO_DIR not in _sys.path:
    _sys.path.insert(0, _REPO_DIR)

dependencies = ['torch', 'torchvision', 'numpy', 'yaml', 'open_clip', 'timm', 'huggingface_hub', 'safetensors', 'peft', 'lightning', 'torchmetrics']

from zoo.torchhub import hub_entry as _hub_entry  # noqa: E402

"""One LightningModule per task, each over any paradigm's ``VideoTextModel``.

Importing this package imports every task file the registry finds (``zoo.registry.TASKS`` reads
them without importing), and each registers its class: adding a task is adding a file.
``base.py`` writes the steps once; shared heads live in ``layers/``.
"""

import importlib

from zoo.registry import TASKS
from zoo.tasks.base import TaskLoss, VideoTask

for _info in TASKS.infos().values():
    globals()[_info["class"]] = getattr(importlib.import_module(_info["module"]), _info["class"])

__all__ = ["TaskLoss", "VideoTask", *(info["class"] for info in TASKS.infos().values())]

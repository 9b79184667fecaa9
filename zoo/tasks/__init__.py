"""One LightningModule per task, each over any paradigm's ``VideoTextModel``.

Importing this package imports every module in it; each task module registers its class
(``@register_task``), so adding a task is adding a file.
"""

import importlib
import pkgutil

from zoo.tasks.base import VideoTask
from zoo.tasks.recognition import RecognitionTask

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["RecognitionTask", "VideoTask"]

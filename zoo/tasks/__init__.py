"""One LightningModule per task, each over any paradigm's ``VideoTextModel``.

Importing this package registers every implemented task.
"""

from zoo.tasks.base import VideoTask
from zoo.tasks.recognition import RecognitionTask

__all__ = ["RecognitionTask", "VideoTask"]

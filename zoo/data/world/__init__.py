"""The synthetic world (DESIGN §6): a procedural video-text world, deterministic by
(seed, split, index), rendered on the fly, annotated for all seven tasks.

============== ================================================================
``vocab``      shapes, colours, sizes, actions and their phrases
``render``     drawing objects and backgrounds
``language``   captions and questions
``synthetic``  ``SyntheticWorld`` / ``WorldConfig``: scenes, clips, stills, records
``datamodule`` ``WorldDataModule``: the world as a Lightning datamodule
``export``     ``zoo export-world``: the world as files in real benchmark formats
============== ================================================================
"""

from zoo._lazy import lazy_attributes

__getattr__, __dir__ = lazy_attributes(__name__, {
    "WorldDataModule": "zoo.data.world.datamodule", "WorldVideo": "zoo.data.world.datamodule",
    "world_index": "zoo.data.world.datamodule", "QA_FORMATS": "zoo.data.world.datamodule",
    "SyntheticWorld": "zoo.data.world.synthetic", "WorldConfig": "zoo.data.world.synthetic",
})

"""The synthetic world (DESIGN §6): a procedural video-text world, deterministic by
(seed, split, index), rendered on the fly, annotated for all seven tasks.

=============== ===============================================================
``vocab``       shapes, colours, sizes, actions and their phrases
``config``      ``WorldConfig``: the world's knobs (opt-in ones leave default clips unchanged)
``scene``       how objects move and how a clip's scene is drawn
``events``      event videos for (spatio-)temporal grounding: moments, saliency
``appearance``  themed scenes: the appearance label a single frame decides
``render``      drawing objects and backgrounds
``language``    captions, questions, event sentences
``clips``       ``WorldClip`` / ``WorldObject`` / ``WorldEvent`` / ``Still``
``annotations`` clips as standard records (clip records, grounding records)
``synthetic``   ``SyntheticWorld``: clips, pixels, records, stills
``datamodule``  ``WorldDataModule``: the world as a Lightning datamodule
``export``      ``zoo export-world``: the world as files in real benchmark formats
=============== ===============================================================
"""

from zoo._lazy import lazy_attributes

__getattr__, __dir__ = lazy_attributes(__name__, {
    "WorldDataModule": "zoo.data.world.datamodule", "WorldVideo": "zoo.data.world.datamodule",
    "world_index": "zoo.data.world.datamodule", "QA_FORMATS": "zoo.data.world.datamodule",
    "SyntheticWorld": "zoo.data.world.synthetic", "WorldConfig": "zoo.data.world.config",
    "WorldClip": "zoo.data.world.clips", "WorldEvent": "zoo.data.world.clips",
    "APPEARANCE_CLASSES": "zoo.data.world.appearance",
    "APPEARANCE_NAMES": "zoo.data.world.appearance",
})

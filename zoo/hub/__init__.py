"""The checkpoint lifecycle: the pretrained-folder format, loading (local, Hub, published names),
the index, export from a Lightning run, cards, publishing, torch.hub and the generated files.

=============== ===================================================================
``folder``      ``model.safetensors`` + ``config.json`` (+ card): save, read, load
``load``        ``from_pretrained`` / ``download``: folders, ``hf-hub:``, ``arch.tag``
``index``       ``checkpoints/index.json`` (the manifest) and checksums
``export``      Lightning checkpoint -> pretrained folder (+ ``--register`` in the index)
``cards``       model cards (Hugging Face ``ModelCard``)
``publish``     upload a folder to the Hub in one commit
``torchhub``    the generated ``hubconf.py`` and the function its entries call
``tables``      the README's zoo tables
``sync``        regenerate hubconf / tables / cards from the index, and check them
``constants``   the Hub organisation and code repository (one place)
``paths``       where the shipped files live
=============== ===================================================================
"""

from zoo._lazy import lazy_attributes

__getattr__, __dir__ = lazy_attributes(__name__, {
    "from_pretrained": "zoo.hub.load", "download": "zoo.hub.load", "resolve_config": "zoo.hub.load",
    "resolve_folder": "zoo.hub.load", "HubUnavailableError": "zoo.hub.load",
    "save_pretrained": "zoo.hub.folder", "load_folder": "zoo.hub.folder", "read_config": "zoo.hub.folder",
})

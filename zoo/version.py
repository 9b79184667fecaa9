"""zoo's version (one place; checkpoints record it, usage lines pin ``v{__version__}``)."""

__version__ = "0.1.0"

"""``python -m zoo.commands``: the ``zoo`` command."""

import sys

from zoo.commands import main

sys.exit(main())

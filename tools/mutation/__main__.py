"""``python -m tools.mutation ...`` is ``python tools/mutation/mutate.py ...`` (see mutate.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutate import main  # noqa: E402

sys.exit(main())

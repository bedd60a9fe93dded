"""``python -m cocowidget.protocol [ROOT]``: regenerate js/src/generated/protocol.ts."""

import sys
from pathlib import Path

from cocowidget.protocol.typescript import write

if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    print(write(root))

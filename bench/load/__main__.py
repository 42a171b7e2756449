"""`python -m bench.load`: see bench/load/README.md."""

import sys

from bench.load.run import main

sys.exit(main())

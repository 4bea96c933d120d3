"""`python -m kraken_energy`: the `kraken` command (see `kraken_energy.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

"""`python -m kraken_client`: the `kraken` command (see `kraken_client.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

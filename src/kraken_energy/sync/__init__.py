"""Keep many accounts' readings in a local store, incrementally and resumably."""

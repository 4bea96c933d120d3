"""The ``fake_kraken``, ``fake_kraken_env`` and ``kraken_no_retry_waits`` pytest fixtures.

Installing ``kraken-energy[testing]`` registers them through a ``pytest11`` entry point of this
name, so nothing needs enabling. Where plugin autoloading is off
(``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), a ``conftest.py`` enables them with::

    pytest_plugins = ["kraken_energy.testing.pytest_plugin"]
"""

from kraken_energy._pytest_plugin import fake_kraken, fake_kraken_env, kraken_no_retry_waits

__all__ = ["fake_kraken", "fake_kraken_env", "kraken_no_retry_waits"]

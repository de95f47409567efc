"""The data that ships with nnlab: ``mnist38.npz`` and its ``README.md`` (provenance, license, sha256).

Not code: this file only makes ``data/`` the package ``nnlab.datasets`` when nnlab is installed (``pip install .``
or ``-e .``; see ``pyproject.toml``), so ``nl.load_mnist38()`` finds the file through ``importlib.resources``.
"""

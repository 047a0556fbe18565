"""Packaging of the top-level templates/, static/ and migrations/ inside the compliance package.

Everything else about the project is declared in pyproject.toml; only this mapping needs code.
"""

from setuptools import find_packages, setup

ASSET_DIRS = {
    "compliance.templates": "templates",
    "compliance.static": "static",
    "compliance.migrations": "migrations",
}

setup(
    packages=find_packages(include=["compliance", "compliance.*"]) + list(ASSET_DIRS),
    package_dir={"compliance": "compliance", **ASSET_DIRS},
    package_data={name: ["**/*"] for name in ASSET_DIRS}
    | {"compliance": ["**/*.json", "**/*.txt"]},
    include_package_data=False,
)

"""lit's version, which the records of every run carry (kept apart from the package's lazy exports)."""

__version__ = "0.2.0"

"""taskbook: a small command-line task tracker that keeps its tasks in a JSON file."""

__version__ = "1.0.0"

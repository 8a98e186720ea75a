"""gradcli: a command-line optimization explorer."""

__version__ = "0.1.0"

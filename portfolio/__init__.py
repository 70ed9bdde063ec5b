"""portfolio: a database of the key projects named in five-year plans."""

__version__ = "0.1.0"

"""ordofax: a prescription and clinical-document transmission gateway for Québec's health network."""

__version__ = "0.1.0"

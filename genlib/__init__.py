"""genlib: models, training loops, metrics and the run store behind the genlib lab.

Importing genlib does no work: no disk, no downloads, no seeding, no device choice.
"""
__version__ = "0.1.0"

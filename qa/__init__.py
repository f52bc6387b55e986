"""A reading assistant for courses: questions answered with cited passages quoted from the readings."""

__version__ = "0.1.0"

"""The checker's version, in a module of its own: renderers stamp it into reports without
importing the package root, whose façade reaches the engine and the runner."""

__version__ = "0.1.0"

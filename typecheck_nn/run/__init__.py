"""Getting from paths on disk to models checked: path expansion, the libcst pre-scan,
importing user files in isolation, finding and building models, and the worker pool that
runs the engine on them with timeouts."""

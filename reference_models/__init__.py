"""Reference models: classic and strongly-typed recurrent networks side by side."""

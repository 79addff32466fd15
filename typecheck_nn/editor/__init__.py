"""The editor loop: `typecheck-nn lsp` (a Language Server) and `typecheck-nn watch`, both on
a warm worker pool (run.warm)."""

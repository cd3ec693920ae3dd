"""The API layer: routes, handlers and the transport-free request cycle."""

"""Front doors: the ways a client reaches a fake (in process, HTTP, command line)."""

"""One module per page; each offers `register(app)`."""

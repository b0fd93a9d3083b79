"""Control flow of one function body, and path exploration over it."""

"""Package facts shared by all rules: imports, SDK generation, symbols."""

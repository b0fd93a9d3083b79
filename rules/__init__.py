"""One module per rule, named by code and name (``wg103_pause_without_resume``).

Installed as ``linter.rules``; ``linter.registry`` imports every module here.
"""

"""Sub-commands of `ordofax`, one module each: HELP, add_arguments(parser), run(args) -> exit status."""

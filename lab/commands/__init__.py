"""One module per `rculab` command (argparse sub-parser + handler), and the flags they share."""

"""Flex Template entry point: the launcher runs this file with every template parameter as ``--name=value``.

It is ``provmix run`` with the same flags, so a template launch and a command-line run build the same job.
"""
import logging
import sys

from provmix.pipeline.cli import main

if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    sys.exit(main(["run", *sys.argv[1:]]))

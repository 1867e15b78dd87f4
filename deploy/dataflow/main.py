"""Flex Template entry point: the launcher runs this file with every template parameter as ``--name=value``.

It is ``provmix run`` with the same flags, so a template launch and a command-line run build the same job;
``-v`` keeps Beam's own logs in the launcher log. If the launcher returns before the job ends, ``provmix
finalize OUTPUT`` (deploy/dataflow/README.md) commits the outputs and writes the manifest afterwards.
"""
import sys

from provmix.pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main(["-v", "run", *sys.argv[1:]]))

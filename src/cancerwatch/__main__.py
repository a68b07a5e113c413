"""``python -m cancerwatch`` runs the command-line interface."""

from cancerwatch.cli.app import main

main()

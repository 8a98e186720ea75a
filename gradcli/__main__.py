"""`python -m gradcli` runs the same CLI as the console script."""

from gradcli.cli import main

main()

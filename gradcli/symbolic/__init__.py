"""Text to mathematics: the safe parser, exact derivatives, printing, the time budget.

Only this folder turns user text into SymPy; it imports nothing of gradcli but `errors`."""

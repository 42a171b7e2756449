"""`python -m bench.matching`: the CLINC150 benchmark of the project's matcher."""

from bench.matching.run import main

main()

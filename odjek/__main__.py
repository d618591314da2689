from odjek.cli import main

main()

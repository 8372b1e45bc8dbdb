from danq.cli import main

main()

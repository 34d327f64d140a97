from bangfu.cli import main

main()

from routeguard_lint.cli import main

main()

from safemig_lint.cli import main

main()

from safemig_lint.launcher import main

main()

from portfolio.cli import main

main()

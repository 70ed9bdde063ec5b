"""Run the portfolio CLI from a checkout: `python cli.py …` (installed: `portfolio …`)."""

from portfolio.__main__ import main

if __name__ == "__main__":
    main()

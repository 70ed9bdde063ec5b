"""The `portfolio` command's entry point (`portfolio …` and `python -m portfolio …`).

A short command spends about a fifth of its time in garbage collection it does not need:
passes while the import of Typer, SQLAlchemy and SQLModel allocates hundreds of thousands of
objects that all stay alive, and a final pass over all of them at exit. So the collector
runs rarely during the command (cyclic garbage is still collected, so a long export cannot
grow without bound), and everything alive at the end is frozen, which the final pass skips.
"""

import gc

START_UP_THRESHOLD = 100_000  # allocations between young-generation collections (Python's default: 700)


def main() -> None:
    gc.set_threshold(START_UP_THRESHOLD, 50, 100)
    from portfolio.cli import main as run

    try:
        run()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()

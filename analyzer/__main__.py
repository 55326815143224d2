"""``python -m analyzer`` and the ``snapdiag`` console script."""

import os
import signal
import sys
import threading


def _interrupted_while_starting(_signum: int, _frame: object) -> None:
    # nothing is open yet: a Ctrl-C during the imports ends as one later does, without a traceback
    sys.stderr.write("snapdiag: interrupted\n")
    sys.stderr.flush()
    os._exit(130)


def main() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupted_while_starting)
    from analyzer.cli import main as cli_main

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    cli_main(prog_name="snapdiag")


if __name__ == "__main__":  # a spawned child process imports this module without running the CLI again
    main()

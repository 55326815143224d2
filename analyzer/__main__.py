from analyzer.cli import main

if __name__ == "__main__":  # a spawned child process imports this module without running the CLI again
    main(prog_name="snapdiag")

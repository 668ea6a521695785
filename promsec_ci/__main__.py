from promsec_ci.cli import main

main()

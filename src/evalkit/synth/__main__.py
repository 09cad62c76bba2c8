"""`python -m evalkit.synth …`: the same options as `evalkit synth`."""
import sys

from evalkit.synth.corpus import main

sys.exit(main())

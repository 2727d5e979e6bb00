import sys

from reference.channels.cli import main

sys.exit(main())

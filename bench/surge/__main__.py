import sys

from bench.surge.main import main

sys.exit(main())

"""`python -m extractor RAILS_ROOT -o spec/openapi.yaml`."""

from extractor.cli import main

raise SystemExit(main())

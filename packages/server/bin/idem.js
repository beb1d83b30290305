#!/usr/bin/env node
// The `idem` command. A file that exists before the first build, so that installing the workspace can
// link it (pnpm warns for a bin that points into a dist not built yet); the CLI itself is dist/cli.js.
import '../dist/cli.js';

#!/usr/bin/env node
// `npx dms-runbooks …`: runs the built CLI (dist/, from npm run build) or, in a checkout, the TypeScript through tsx.
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
let cli;
if (fs.existsSync(built)) {
  cli = require(built);
} else {
  require('tsx/cjs/api').register();
  cli = require(path.join(__dirname, '..', 'cli', 'main.ts'));
}
cli.main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      `dms-runbooks: ${error && error.constructor && error.constructor.name === 'UsageError' ? error.message : error.stack || error.message}\n`,
    );
    process.exit(error && error.constructor && error.constructor.name === 'UsageError' ? 2 : 1);
  },
);

#!/usr/bin/env node
// Runs one TypeScript file with the workspace's aliases: `node bin/run-ts.js path/to/file.ts [args]`.
'use strict';
const path = require('node:path');
require('./register');
const file = process.argv[2];
if (!file) {
  console.error('usage: node bin/run-ts.js FILE.ts [args…]');
  process.exit(2);
}
process.argv.splice(1, 1);
require(path.resolve(file));

// Runs the TypeScript sources directly (SWC, with decorator metadata for Nest) and maps the
// @tollgate/* aliases onto libs/, so `npx tollgate` works right after `npm install`.
'use strict';
const path = require('node:path');
const Module = require('node:module');
const root = path.resolve(__dirname, '..');

const aliases = [
  [/^@tollgate\/domain\/(.+)$/, (m) => path.join(root, 'libs/domain/src', m[1])],
  [/^@tollgate\/services\/(.+)$/, (m) => path.join(root, 'services', m[1])],
  [/^@tollgate\/infra\/(.+)$/, (m) => path.join(root, 'infra', m[1])],
  [/^@tollgate\/([a-z-]+)$/, (m) => path.join(root, 'libs', m[1], 'src/index.ts')],
];
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, ...rest) {
  for (const [pattern, target] of aliases) {
    const match = pattern.exec(request);
    if (match) return originalResolve.call(this, target(match), ...rest);
  }
  return originalResolve.call(this, request, ...rest);
};

process.env.SWCRC = 'true';
process.env.SWC_NODE_PROJECT = path.join(root, 'tsconfig.json');
require('@swc-node/register');

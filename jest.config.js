// One Jest run for the whole workspace. The file suffix says the tier:
// .spec.ts (pure), .int.spec.ts (real PostgreSQL / NATS), .e2e.spec.ts (processes, browser).
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.$schema;

const transform = {
  '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }],
  // ESM-only dependencies (Node 20 runs them through require(esm); Jest on Node 20 cannot), compiled to CommonJS.
  '/node_modules/trading-signals/.+\\.js$': ['@swc/jest', { ...swcrc, swcrc: false, jsc: { ...swcrc.jsc, parser: { syntax: 'ecmascript' } } }],
};
const transformIgnorePatterns = ['/node_modules/(?!trading-signals/)'];
const moduleNameMapper = {
  '^@tollgate/domain/(.*)$': '<rootDir>/libs/domain/src/$1',
  '^@tollgate/services/(.*)$': '<rootDir>/services/$1',
  '^@tollgate/infra/(.*)$': '<rootDir>/infra/$1',
  '^@tollgate/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
};
const common = { transform, transformIgnorePatterns, moduleNameMapper, testEnvironment: 'node', rootDir: __dirname };

module.exports = {
  // Project-level testTimeout is ignored by Jest 30; integration and e2e suites need the longer limit.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,infra,bench}/**/*.spec.ts'], testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$', '/node_modules/'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{libs,services,infra}/**/*.int.spec.ts'], testTimeout: 60000 },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/{libs,services,infra}/**/*.e2e.spec.ts'], testTimeout: 180000 },
  ],
};

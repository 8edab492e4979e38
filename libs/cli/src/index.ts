export * from './output';
export { buildProgram, main } from './main';

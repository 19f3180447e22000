/** Moved to contracts/handlers.ts (kept so suites written against the old path still compile). */
export * from '../contracts/handlers';

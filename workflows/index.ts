/** Every workflow type the worker registers; their names are the operator-facing API. */
export { checkSourceReadiness } from './checkSourceReadiness';
export { onboardTable } from './onboardTable';
export { pipelineDoctor } from './pipelineDoctor';
export { resourceLock } from './resourceLock';

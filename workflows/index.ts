export { exceptionCase } from './exception-case';
export { baselineTuning, tuningReplay } from './tuning';

export { exceptionCase } from './exception-case';
export { baselineTuning, tuningReplay } from './tuning';
export { identitySweep } from './identity-sweep';
export { eventRetention } from './event-retention';

export { exceptionCase } from './exception-case';
export { identitySweep } from './identity-sweep';
export { eventRetention } from './event-retention';

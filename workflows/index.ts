export { exceptionCase } from './exception-case';

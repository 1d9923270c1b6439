import 'reflect-metadata';

// Tests never read a developer's .data folder or talk to a Temporal they did not start.
process.env.LOG_LEVEL ??= 'warn';

export * from './errors';
export * from './auth';
export * from './health';
export * from './strategy';
export * from './broker';

export * from './blacklist.js';
export * from './engine.js';
export * from './local-time.js';
export * from './schedule.js';

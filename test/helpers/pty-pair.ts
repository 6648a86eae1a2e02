// Moved to app/demo (the demo site runs the same processes); the tests keep their import path.
export * from '../../app/demo/pty-pair.js';

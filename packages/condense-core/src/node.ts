/**
 * Node-only helpers every package that writes files shares. Kept off the main entry so that
 * `@condensenet/core` itself stays free of Node built-ins and runs in browsers.
 */
export { writeFileAtomic, type AtomicWriteHooks } from './node/atomic-write.js';

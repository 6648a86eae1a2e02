/** Access and device events (filled by the access-model work). */
export const eventMethods = {};

/** Zones, doors and access levels (filled by the access-model work). */
export const doorMethods = {};

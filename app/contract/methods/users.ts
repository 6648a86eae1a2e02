/** Cardholders ("users"), their keys, the blacklist and CSV import/export (filled by the access-model work). */
export const userMethods = {};

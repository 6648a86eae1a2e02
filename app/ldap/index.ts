// The LDAP / Active Directory client for operator login: what the Service calls, nothing else.
export { DirectoryError } from './directory-errors.js';
export {
  authenticateOperator,
  testDirectoryConnection,
  type DirectoryAccess,
  type DirectoryAccount,
  type OperatorLogin,
} from './directory-client.js';
export { escapeFilterValue, fillFilter } from './ldap-filter.js';
export { sameDn } from './dn.js';

import type { z } from 'zod';
import { auditMethods } from './methods/audit.js';
import { custodyMethods } from './methods/custody.js';
import { directoryMethods } from './methods/directory.js';
import { doorMethods } from './methods/doors.js';
import { eventMethods } from './methods/events.js';
import { operatorMethods } from './methods/operators.js';
import { rpcMethods } from './methods/rpc.js';
import { scheduleMethods } from './methods/schedules.js';
import { syncMethods } from './methods/sync.js';
import { userMethods } from './methods/users.js';
import { sessionMethods } from './methods/session.js';
import { setupMethods } from './methods/setup.js';
import { siteMethods } from './methods/site.js';
import { operationMethods } from './methods/operations.js';
import { encoderMethods } from './methods/encoder.js';
import { deviceMethods } from './methods/devices.js';
import { lockMethods } from './methods/locks.js';
import { rfMethods } from './methods/rf.js';
import { mobileMethods } from './methods/mobile.js';
import { DEFAULT_REQUEST_BYTES } from './method.js';

export * from './errors.js';
export * from './events.js';
export * from './jsonrpc.js';
export * from './method.js';
export * from './permissions.js';
export * from './schemas.js';
export { SetupStatus } from './methods/setup.js';
export { OperatorSource, OperatorSummary, RoleRef, SessionInfo, SessionListing } from './methods/session.js';
export { Operator, Role } from './methods/operators.js';
export { Calendar, TimePeriod } from './methods/schedules.js';
export * from './schedule-schemas.js';
export { AuditEntry, AuditVerification } from './methods/audit.js';
export {
  DirectoryConnection,
  DirectorySettings,
  DirectoryStage,
  DirectoryTestReport,
  GroupRoleMapping,
  OperatorDirectory,
} from './methods/directory.js';
export { Site } from './methods/site.js';
export {
  LOCK_VISIT_REASONS,
  LockVisitReason,
  OfflineLock,
  PpdStatus,
  RoundSummary,
} from './methods/locks.js';
export { Eui64, RfLock, RfLockState } from './methods/rf.js';
export { MobileChange, MobileKey, MobileKeyState, MobilePhone, RelayStatus } from './methods/mobile.js';
export { CardStep, OperationId, OperationProgress } from './methods/operations.js';
export {
  CARD_AUDIT_EVENTS,
  CardAuditRecord,
  CardInField,
  CardReport,
  CardRight,
  EncodeResult,
  EncoderState,
  EncoderStatus,
} from './methods/encoder.js';

/**
 * The one RPC contract: every method the service answers, shared by the dispatcher, `lintel serve`,
 * the Electron IPC transport, the renderer client, the OpenRPC document and docs/api.md.
 */
export const contract = {
  ...rpcMethods,
  ...setupMethods,
  ...sessionMethods,
  ...siteMethods,
  ...operatorMethods,
  ...directoryMethods,
  ...auditMethods,
  ...scheduleMethods,
  ...doorMethods,
  ...userMethods,
  ...eventMethods,
  ...syncMethods,
  ...operationMethods,
  ...custodyMethods,
  ...encoderMethods,
  ...deviceMethods,
  ...lockMethods,
  ...rfMethods,
  ...mobileMethods,
};

/** Every method name. */
export type MethodName = keyof typeof contract;
/** What a caller passes to method M. */
export type ParamsOf<M extends MethodName> = z.input<(typeof contract)[M]['params']>;
/** What method M returns. */
export type ResultOf<M extends MethodName> = z.output<(typeof contract)[M]['result']>;

/** The largest request `method` takes (the default for unknown names, which fail later anyway). */
export function requestLimitOf(method: unknown): number {
  if (typeof method !== 'string' || !isMethodName(method)) return DEFAULT_REQUEST_BYTES;
  const spec: { maxRequestBytes?: number } = contract[method];
  return spec.maxRequestBytes ?? DEFAULT_REQUEST_BYTES;
}

/** The largest request any method takes: what a transport may read before it knows the method. */
export const MAX_REQUEST_BYTES = Math.max(
  DEFAULT_REQUEST_BYTES,
  ...Object.values(contract).map((m: { maxRequestBytes?: number }) => m.maxRequestBytes ?? 0),
);

/** Narrows an arbitrary string to a method name of the contract. */
export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

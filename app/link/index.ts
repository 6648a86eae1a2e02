export * from './constants.js';
export {
  EnrolmentAttempt,
  enrolmentHandshake,
  enrolmentPsk,
  EnrolmentResponder,
  pairingPsk,
  type EnrolmentHost,
  type EnrolmentRequest,
  type EnrolmentResult,
  type EnrolRefusal,
  type PendingCode,
} from './enrolment.js';
export * from './formats.js';
export {
  Initiator,
  Responder,
  type AcceptedInitiation,
  type HandshakeRefusal,
  type InitiationOutcome,
  type InitiatorOptions,
  type PeerConfig,
  type ResponderOptions,
  type ResponseOutcome,
} from './handshake.js';
export { CookieChecker, mac, mac1Key, mac1Valid, type Endpoint } from './macs.js';
export {
  exportPrivate,
  generateKeyPair,
  keyPairFromPrivate,
  NoiseError,
  type KeyPair,
} from './noise/index.js';
export * from './rekey.js';
export { ReplayWindow } from './replay-window.js';
export { Session, SessionError, type OpenResult, type Refusal } from './session.js';
export { tai64n, tai64nAfter } from './tai64n.js';
export { RateMeter } from './load-meter.js';
export {
  LinkEndpoint,
  type BindOptions,
  type EnrolOptions,
  type LinkDatagrams,
  type LinkEndpointOptions,
  type LinkPeerConfig,
  type LinkStats,
  type RefusalCounts,
} from './udp-endpoint.js';

/** OSDP v2.2 with Secure Channel: the control unit ↔ wall reader link (see docs/osdp.md). */
export {
  BROADCAST,
  checksum8,
  crc16,
  decodeFrame,
  encodeFrame,
  type Frame,
  type FrameFault,
  nextSequence,
  OsdpFrameError,
  Scs,
  type SecurityBlock,
} from './frame.js';
export { FrameReader, type ReaderStats, type ReceivedFrame } from './frame-reader.js';
export { OsdpMessageError } from './message-bytes.js';
export {
  Cmd,
  type Command,
  decodeCommand,
  encodeCommand,
  type LedControl,
  type OutputControl,
} from './messages.js';
export {
  type Capability,
  decodeReply,
  encodeReply,
  NakReason,
  type PdId,
  type PdReply,
  Reply,
} from './replies.js';
export {
  clientCryptogram,
  computeMac,
  decryptData,
  deriveSessionKeys,
  encryptData,
  initialRmac,
  MacChain,
  OsdpSecurityError,
  SCBK_D,
  serverCryptogram,
  type SessionKeys,
} from './secure-channel.js';
export { CpHandshake } from './cp-handshake.js';
export { CpSession } from './cp-session.js';
export type { CpEvent, CpOptions, CpOutput, CpStats, FailReason } from './cp-types.js';
export { type PdOptions, PdSession, type PdStats } from './pd-session.js';
export { CapFunction, describeCapability, describePdId } from './capabilities.js';
export {
  OsdpRequestError,
  refusedKey,
  SerialCp,
  type SerialCpEvent,
  type SerialCpOptions,
} from './serial-cp.js';
export { SerialPd, type SerialPdOptions } from './serial-pd.js';
export { setTransparentMode, TransparentModeError, transparentTransceive } from './transparent.js';
export {
  BioStatus,
  fingerTemplate,
  keypadDigits,
  keypadText,
  MATCH_SCORE,
  ReaderSimulator,
  type ReaderSimulatorOptions,
  SIM_CAPABILITIES,
} from './reader-simulator.js';

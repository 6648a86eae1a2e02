export {
  commandApdu,
  parseCommandApdu,
  parseResponseApdu,
  responseApdu,
  type ParsedResponse,
} from './apdu.js';
export { DesfireCard, type DesfireCardOptions } from './card-emulator.js';
export { BLOCK_BYTES, CAPACITY_BYTES } from './card-memory.js';
export type { CardSnapshot } from './card-snapshot.js';
export type { CardSize } from './card-state.js';
export type { Transceive } from './client-channel.js';
export { Cmd } from './command-codes.js';
export { crc32nk } from './crc32.js';
export { DesfireClient, type DesfireClientOptions } from './desfire-client.js';
export {
  FREE_ACCESS,
  NO_ACCESS,
  type CommMode,
  type FileAccess,
  type FileSettings,
} from './file-settings.js';
export type { Picc } from './picc.js';
export { CLIENT_SIDE, DesfireError, IsoStatus, Status, type DesfireErrorCode } from './status.js';
export type { CardVersion, VersionBlock } from './version.js';

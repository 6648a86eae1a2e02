/** The NCoder USB desktop encoder: the Service-side link and driver, the simulator and its transports. */
export {
  NcoderLink,
  type NcoderCard,
  type NcoderLinkOptions,
  type NcoderLinkState,
  type NcoderLinkStatus,
} from './ncoder-link.js';
export { NcoderDriver, type NcoderDriverOptions } from './ncoder-driver.js';
export { NcoderError, isNcoderError, type NcoderErrorCode } from './ncoder-errors.js';
export type { NcoderInfo } from './ncoder-messages.js';
export type { CardActivation, LedColour, SealTokenRequest } from './session-messages.js';
export { NCODER_PRODUCT_ID, NCODER_VENDOR_ID } from './ncoder-usb-ids.js';
export { NcoderSimulator, type NcoderSimulatorOptions } from './ncoder-simulator.js';
export type { FieldCard } from './ncoder-field.js';
export { serveHidSocket, socketHidDevices, type HidSocketServer } from './hid-socket.js';
export { MemoryHidBus, memoryHidPair } from './hid-memory.js';

/** A contactless card in a reader's field, as the reader sees it after activation (ISO 14443-4). */
export interface Picc {
  /** What anticollision reported at this activation: UID (7 bytes, or a 4-byte random ID starting 0x08), ATQA, SAK, ATS. */
  readonly activation: { uid: Uint8Array; atqa: number; sak: number; ats: Uint8Array };
  /** One command APDU in, the response APDU (data ‖ SW1 SW2) out. Never throws for bad input: answers an error status. */
  transceive(apdu: Uint8Array): Uint8Array;
  /** The card leaves the field (loses power): an open transaction aborts, authentication ends; the next activation is fresh. */
  powerOff(): void;
}

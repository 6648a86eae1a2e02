import type { Picc } from '../desfire/picc.js';
import type { CardActivation } from './session-messages.js';

/**
 * The NCoder's RF field, as the simulator models it: at most one card, which a POLL activates and
 * TRANSCEIVE then talks to. A card taken away loses power at once (powerOff: transaction aborted,
 * authentication ended), and the next TRANSCEIVE says CARD_REMOVED rather than NO_CARD, so the
 * Service knows an operation was cut short rather than never started.
 */

/** A contactless card in the field: any `Picc` (app/desfire/picc.ts), DesfireCard or a test stub. */
export type FieldCard = Picc;

/** What a TRANSCEIVE came to. */
export type FieldResult =
  | { ok: true; data: Uint8Array }
  | { ok: false; code: 'NO_CARD' | 'CARD_REMOVED' | 'TIMEOUT'; detail: string };

/** The field: place and remove cards (the test or the person at the desk), poll and transceive (the device). */
export class CardField {
  private present: FieldCard | undefined;
  private active: FieldCard | undefined;
  /** Set when the active card left: the next TRANSCEIVE reports it once. */
  private removedWhileActive = false;
  /** Test hook: the card stops answering (TRANSCEIVE times out) while true. */
  mute = false;
  /** Called after every APDU the card answered (the simulator CLI saves the card then). */
  onTransceive: ((card: FieldCard) => void) | undefined;

  /** The card in the field, if any. */
  get card(): FieldCard | undefined {
    return this.present;
  }

  /** Puts a card in the field (a card already there is taken away first). */
  place(card: FieldCard): void {
    if (this.present) this.remove();
    this.present = card;
  }

  /** Takes the card away, mid-operation or not; it loses power. */
  remove(): FieldCard | undefined {
    const card = this.present;
    if (!card) return undefined;
    card.powerOff();
    this.present = undefined;
    if (this.active === card) {
      this.active = undefined;
      this.removedWhileActive = true;
    }
    return card;
  }

  /** Switches the field off and on: the card (still there) is reset and must be polled again. */
  reset(): void {
    this.present?.powerOff();
    this.active = undefined;
    this.removedWhileActive = false;
  }

  /** Activates the card in the field (anticollision, RATS); null when there is none. */
  poll(): CardActivation | null {
    this.removedWhileActive = false;
    if (!this.present) {
      this.active = undefined;
      return null;
    }
    this.active = this.present;
    const a = this.present.activation;
    return { uid: Uint8Array.from(a.uid), atqa: a.atqa, sak: a.sak, ats: Uint8Array.from(a.ats) };
  }

  /** Sends one APDU to the activated card. */
  transceive(apdu: Uint8Array): FieldResult {
    if (!this.active) {
      if (this.removedWhileActive) {
        this.removedWhileActive = false;
        return { ok: false, code: 'CARD_REMOVED', detail: 'the card left the field' };
      }
      return { ok: false, code: 'NO_CARD', detail: 'no card activated: poll first' };
    }
    if (this.mute) return { ok: false, code: 'TIMEOUT', detail: 'the card did not answer' };
    const card = this.active;
    let data: Uint8Array;
    try {
      data = card.transceive(apdu);
    } catch {
      // A real card that chokes on a frame stays silent; the reader reports a timeout.
      return { ok: false, code: 'TIMEOUT', detail: 'the card did not answer' };
    }
    if (this.active !== card) {
      // Taken away while it was answering: the reader never got the answer.
      this.removedWhileActive = false;
      return { ok: false, code: 'CARD_REMOVED', detail: 'the card left the field' };
    }
    this.onTransceive?.(card);
    return { ok: true, data };
  }
}

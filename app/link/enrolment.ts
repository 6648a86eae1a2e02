import { createHash } from 'node:crypto';
import { normaliseHumanToken } from '../crypto/random.js';
import { ENROL_CONSTRUCTION, ENROL_IDENTIFIER, LABEL_PAIRING } from './constants.js';
import { HandshakeState } from './noise/handshake-state.js';
import type { KeyPair } from './noise/suite.js';

/**
 * Enrolment (pairing) of a gateway or control unit with the Service: Noise XXpsk3, the device as
 * initiator, the Service as responder, the one-time pairing code as the psk. Both static keys travel
 * encrypted and are pinned on success; afterwards the pair talks IKpsk2 (handshake.ts).
 *
 * Why psk3 (at the end of the device's last message) and not psk0/psk2: the Service is the side
 * anyone on the network can talk to, and with psk3 it never sends anything that depends on the code,
 * so it offers no guessing oracle; a passive observer cannot test guesses either (every key also
 * depends on ee). A man in the middle posing as the Service gets one offline guess test per attempt,
 * so the code must carry real entropy: Lintel's pairing codes are humanToken() values (120 bits).
 * The device learns that the Service knew the code from the Service's first transport message, and
 * must not pin the Service key before that message has authenticated.
 */

/** The psk for a pairing code: HASH(label ‖ normalised code), normalised as people type it (case, dashes, O/0). */
export function pairingPsk(code: string): Buffer {
  return createHash('blake2s256')
    .update(LABEL_PAIRING, 'utf8')
    .update(normaliseHumanToken(code), 'utf8')
    .digest();
}

/** A fresh enrolment handshake for one side; the caller runs its three messages and then Split. */
export function enrolmentHandshake(opts: {
  initiator: boolean;
  staticKey: KeyPair;
  pairingCode: string;
}): HandshakeState {
  return new HandshakeState({
    protocolName: ENROL_CONSTRUCTION,
    initiator: opts.initiator,
    prologue: Buffer.from(ENROL_IDENTIFIER, 'utf8'),
    s: opts.staticKey,
    psks: [pairingPsk(opts.pairingCode)],
  });
}

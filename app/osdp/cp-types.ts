import type { Command } from './messages.js';
import type { PdReply } from './replies.js';

/** The public shapes of CpSession (cp-session.ts). */

export interface CpOptions {
  address: number;
  /** The reader's SCBK, for the handshake outside install mode. */
  scbk?: Buffer;
  /** Use SCBK-D: only when an installer asks for it explicitly, to provision a new reader. */
  installMode?: boolean;
  useCrc?: boolean;
  replyTimeoutMs?: number;
  /** Resends of one command before the PD is declared offline. */
  retries?: number;
  random?: (n: number) => Buffer;
}

export type FailReason = 'offline' | 'nak' | 'security' | 'malformed';
export type CpEvent =
  | { type: 'reply'; id: number; command: Command; reply: PdReply }
  | { type: 'failed'; id: number; command: Command; reason: FailReason; reply?: PdReply }
  | { type: 'online' }
  | { type: 'offline' }
  | { type: 'secure' }
  | { type: 'insecure'; reason: string };

export interface CpStats {
  sent: number;
  retries: number;
  ignored: number;
  unexpected: number;
  badSequence: number;
  badMac: number;
  malformed: number;
}

export interface CpOutput {
  out: Buffer[];
  events: CpEvent[];
}

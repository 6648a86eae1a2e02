import { authenticateFirst, authenticateNonFirst } from './client-auth.js';
import { exchange, type Transceive } from './client-channel.js';
import { parseEmpty } from './client-parse.js';
import { openResponse, sealCommand } from './client-secure-channel.js';
import type { CommMode } from './file-settings.js';
import { MAX_CMD_CTR, type SecureSession } from './secure-messaging.js';
import { DesfireError } from './status.js';

/** One command as DesfireClient asks for it. */
export interface CommandRequest {
  /** Sent in clear in every mode (and MACed). */
  header?: Uint8Array;
  /** Encrypted in full mode. */
  data?: Uint8Array;
  mode: CommMode;
  /** The card ends the session with this command, so its answer carries no MAC. */
  endsSession?: boolean;
}

/**
 * The client's session and its one way to the card: the EV2 session (keys, TI, CmdCtr) and the
 * selected AID, the secured exchange and the two authentications. Every failure ends the session:
 * the card has ended it too, or can no longer be trusted.
 */
export class ClientCore {
  session: SecureSession | null = null;
  /** The AID the client last selected (0: PICC level). */
  aid = 0;

  constructor(
    private readonly transceive: Transceive,
    private readonly frameSize: number,
    private readonly random: (length: number) => Uint8Array,
  ) {}

  /** MAC mode inside a session, plain outside: how the management commands travel. */
  get macMode(): CommMode {
    return this.session ? 'mac' : 'plain';
  }

  /** One secured exchange: the answer's data, its MAC checked and decrypted as the mode says. */
  async command(ins: number, request: CommandRequest): Promise<Buffer> {
    const session = this.session;
    if (request.mode !== 'plain' && !session)
      throw DesfireError.client('NOT_AUTHENTICATED', 'authenticate first');
    if (session && session.cmdCtr >= MAX_CMD_CTR) {
      this.session = null;
      throw DesfireError.client('NOT_AUTHENTICATED', 'the command counter is spent: authenticate again');
    }
    try {
      const header = request.header ?? new Uint8Array(0);
      const payload = sealCommand(session, ins, request.mode, header, request.data ?? new Uint8Array(0));
      const raw = await exchange(this.transceive, ins, payload, this.frameSize);
      if (!session) return raw;
      if (request.endsSession) {
        this.session = null;
        parseEmpty(raw, 'a command that ends the session');
        return raw;
      }
      const plain = openResponse(session, request.mode, raw);
      session.cmdCtr += 1;
      return plain;
    } catch (error) {
      this.session = null;
      throw error;
    }
  }

  /** AuthenticateEV2First: the current session ends now, the new one starts if the card proves the key. */
  async authenticateFirst(keyNo: number, key: Uint8Array): Promise<void> {
    this.session = null;
    this.session = await authenticateFirst(this.transceive, this.random, keyNo, key);
  }

  /** AuthenticateEV2NonFirst: new keys in the current session (same TI and CmdCtr). */
  async authenticateNonFirst(keyNo: number, key: Uint8Array): Promise<void> {
    const current = this.session;
    if (!current) throw DesfireError.client('NOT_AUTHENTICATED', 'AuthenticateEV2NonFirst needs a session');
    this.session = null;
    this.session = await authenticateNonFirst(this.transceive, this.random, current, keyNo, key);
  }
}

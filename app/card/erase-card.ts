import type { DesfireClient } from '../desfire/index.js';
import { CardError } from './card-error.js';
import type { CardKeys } from './card-keys.js';
import { LINTEL_AID, PICC_MASTER_KEY_NO } from './card-layout.js';
import { runCardOperation, type CardOperationOptions } from './card-run.js';
import {
  DEFAULT_KEY,
  applicationIds,
  authenticatePicc,
  checkUid,
  detectCard,
  lintelAppInfo,
} from './card-session.js';

/**
 * eraseCard: a Lintel card of this site becomes blank again, for reuse: the Lintel application is
 * deleted (with the site's PICC master key, whatever state the application is in), then the PICC
 * master key goes back to the factory key, version 0. In that order, so a card pulled half-way still
 * has the site's PICC key and can be erased again; other applications on the card stay.
 */

/** What eraseCard did. */
export interface EraseResult {
  /** The card was blank already (factory PICC key, no Lintel application): nothing was changed. */
  alreadyBlank: boolean;
}

/** Erases a Lintel card of the site the keys belong to. */
export async function eraseCard(
  client: DesfireClient,
  keys: CardKeys,
  options: CardOperationOptions = {},
): Promise<EraseResult> {
  const leaves = 'the card may be half erased; erase it again to finish';
  return runCardOperation(client, options, leaves, async (run) => {
    checkUid(keys, await detectCard(run));
    const app = (await lintelAppInfo(run, keys, await applicationIds(run))) !== null;
    const picc = await authenticatePicc(run, keys);
    if (picc === null) {
      throw new CardError(
        app ? 'OTHER_SITE' : 'NOT_LINTEL',
        app
          ? "This card's Lintel application belongs to another site: it cannot be erased here."
          : "This card's master key is neither the factory key nor this site's: it belongs to another system.",
      );
    }
    if (picc === 'default') {
      // Lintel never leaves its application on a card with the factory PICC key (formatCard changes the
      // key first, eraseCard deletes the application first): an application here is not Lintel's.
      if (app)
        throw new CardError(
          'NOT_LINTEL',
          'Another system put an application under the Lintel AID on this card.',
        );
      return { alreadyBlank: true };
    }

    run.step('erase');
    if (app) await run.cmd((c) => c.deleteApplication(LINTEL_AID));
    await run.cmd((c) => c.changeKey(PICC_MASTER_KEY_NO, DEFAULT_KEY, 0));

    run.step('verify');
    await run.cmd((c) => c.authenticateEv2First(PICC_MASTER_KEY_NO, DEFAULT_KEY));
    const aids = await run.cmd((c) => c.getApplicationIds());
    if (aids.includes(LINTEL_AID)) {
      throw new CardError('VERIFY_MISMATCH', 'The Lintel application is still on the card: erase it again.');
    }
    return { alreadyBlank: false };
  });
}

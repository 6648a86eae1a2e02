import { changesSince, compileCard, compileDoor } from '../store/access-compiler.js';
import { notFound, type HandlerGroup, type ServiceKit } from './handler-kit.js';

/** The compiled model and the change feed. */
export function syncHandlers(
  kit: ServiceKit,
): HandlerGroup<'sync.changes' | 'sync.doorTables' | 'sync.cardData'> {
  const db = kit.site.db;
  return {
    'sync.changes': (p) => changesSince(db, p.since, p.limit),
    'sync.doorTables': (p) => {
      const tables = compileDoor(db, p.doorId);
      if (!tables) throw notFound('door', p.doorId);
      return tables;
    },
    'sync.cardData': (p) => {
      const card = compileCard(db, p.credentialId);
      if (!card) throw notFound('key', p.credentialId);
      return card;
    },
  };
}

import type { Stores } from '../ports/stores';
import { createConsentStore } from './consentStore';
import { createConversationIndex } from './conversationIndex';
import { createConversationReader } from './conversationRows';
import { createDynamicsLinkStore } from './dynamicsLinks';
import { createEventOutbox } from './eventOutbox';
import { createReferenceStore } from './referenceStore';
import type { TableClients } from './tableClients';
import { createThreadStore } from './threadStore';
import { createUnrecognizedStore } from './unrecognizedStore';

/** Every storage port on Table Storage, one table each (the thread store and the reader share `threads`). */
export function createTableStores(tables: TableClients): Stores {
  return {
    threads: createThreadStore(tables.threads),
    conversations: createConversationReader(tables.threads),
    index: createConversationIndex(tables.conversationIndex),
    references: createReferenceStore(tables.references),
    consent: createConsentStore(tables.consent),
    unrecognized: createUnrecognizedStore(tables.unrecognized),
    dynamicsLinks: createDynamicsLinkStore(tables.dynamicsLinks),
    outbox: createEventOutbox(tables.outbox),
  };
}

import type { Stores } from '../ports/stores';
import { createMemoryConsentStore } from './consentStore';
import { createMemoryConversationIndex } from './conversationIndex';
import { createMemoryConversationReader } from './conversationReader';
import { createMemoryDynamicsLinkStore } from './dynamicsLinks';
import { createMemoryEventOutbox } from './eventOutbox';
import { createMemoryReferenceStore } from './referenceStore';
import { createThreadPartitions } from './threadPartitions';
import { createMemoryThreadStore } from './threadStore';
import { createMemoryUnrecognizedStore, type MemoryUnrecognizedStore } from './unrecognizedStore';

export interface MemoryStores extends Stores {
  unrecognized: MemoryUnrecognizedStore;
}

/**
 * Every storage port in this process's memory, with the Table adapter's semantics (the contract tests hold both
 * to them): for services' tests, and to prove that the services need no more than the ports.
 */
export function createMemoryStores(): MemoryStores {
  const threads = createThreadPartitions();
  return {
    threads: createMemoryThreadStore(threads),
    conversations: createMemoryConversationReader(threads),
    index: createMemoryConversationIndex(),
    references: createMemoryReferenceStore(),
    consent: createMemoryConsentStore(),
    unrecognized: createMemoryUnrecognizedStore(),
    dynamicsLinks: createMemoryDynamicsLinkStore(),
    outbox: createMemoryEventOutbox(),
  };
}

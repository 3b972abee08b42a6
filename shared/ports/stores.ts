import type { ConsentStore } from './consentStore';
import type { ConversationIndex } from './conversationIndex';
import type { ConversationReader } from './conversationReader';
import type { DynamicsLinkStore } from './dynamicsLinks';
import type { EventOutbox } from './eventOutbox';
import type { ReferenceStore } from './referenceStore';
import type { ThreadStore } from './threadStore';
import type { UnrecognizedStore } from './unrecognizedStore';

/** Every storage port, as one adapter provides them (the composition root picks the adapter). */
export interface Stores {
  threads: ThreadStore;
  conversations: ConversationReader;
  index: ConversationIndex;
  references: ReferenceStore;
  consent: ConsentStore;
  unrecognized: UnrecognizedStore;
  /** The Dynamics bridge's reverse lookup (docs/dynamics-protocol.md §5). */
  dynamicsLinks: DynamicsLinkStore;
  /** Channel events waiting for the topic after an outage (docs/architecture.md §Publishing after the commit). */
  outbox: EventOutbox;
}

/**
 * The Dynamics bridge's reverse lookup: a Dynamics conversation id names one of our conversations. The forward
 * link (ours → Dynamics) lives on the conversation record (`dynamicsConversationId`); this one answers the
 * webhook, which carries only the Dynamics id (docs/dynamics-protocol.md §5). Ids are matched whatever their
 * case: Dynamics writes GUIDs in either.
 */
export interface DynamicsLink {
  dynamicsConversationId: string;
  threadId: string;
  /** n of our conversation in the thread. */
  conversation: number;
  /** When the link was made (ISO 8601). */
  linkedAt: string;
}

export interface DynamicsLinkStore {
  /** Records a link; recording the same link again is fine, and a Dynamics id linked to another conversation is replaced. */
  put(link: DynamicsLink): Promise<void>;
  get(dynamicsConversationId: string): Promise<DynamicsLink | undefined>;
}

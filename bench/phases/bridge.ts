import { startChannel } from '../../local/channel';
import { localDefaults } from '../../local/localSettings';
import { ArrivalWatch } from '../arrivalWatch';
import { callbackPoster, inboundSms } from '../callbacks';
import { benchChannelOptions } from '../context';
import { type Figures, timedThreads } from '../measure';
import type { Progress } from '../progress';
import { waitUntil } from '../waitUntil';

export interface BridgeOptions {
  /** Threads at once (one customer and one Dynamics conversation each), SMS per thread, agent replies per thread. */
  threads: number;
  messages: number;
  replies: number;
  progress?: Progress;
}

export interface BridgeFigures {
  threads: number;
  messages: number;
  replies: number;
  /** A signed inbound SMS POSTed to the callback until it is in its Dynamics sandbox conversation. */
  toDynamics: Figures;
  /** An agent's reply in the Dynamics sandbox until Telesign (the sandbox) accepted the SMS. */
  toTelesign: Figures;
}

/**
 * The bridge's two paths end to end, on a channel of its own with the bridge on and the Dynamics sandbox embedded:
 * many threads at once, each in order. Both sandboxes run in this process; a look at their stores sees what they
 * hold at that instant, every millisecond (arrivalWatch.ts).
 */
export async function bridgePhase(options: BridgeOptions): Promise<BridgeFigures> {
  const { threads: BRIDGE_THREADS, messages: BRIDGE_MESSAGES, replies: BRIDGE_REPLIES, progress } = options;
  const channel = await startChannel(benchChannelOptions({ ...localDefaults }));
  try {
    const dynamics = channel.dynamicsSandbox;
    const telesign = channel.sandbox;
    if (!dynamics || !telesign) throw new Error('the bridge bench needs the embedded Dynamics and Telesign sandboxes');
    const post = callbackPoster(channel.http.url);

    // Thread `BRIDGE_THREADS` is the warm-up one. Fictional 555-2xxx numbers: no sandbox test number (555-01xx).
    const customerOf = (thread: number) => `1555555${String(2000 + thread).padStart(4, '0')}`;
    const smsText = (thread: number, m: number) => `customer ${thread + 1} message ${m + 1}`;
    const referenceOf = (thread: number, m: number) =>
      `D0${String(thread * 1000 + m).padStart(8, '0')}`.padEnd(32, '0').toUpperCase();
    /** The agent writes markdown; the tag, kept as it is by the plain-text conversion, says which reply arrived. */
    const replyText = (thread: number, r: number) => `Thanks, we are **looking into it** (#${thread + 1}.${r + 1}).`;
    const replyTag = /\(#(\d+)\.(\d+)\)/;

    // Customer → Dynamics: a thread's Dynamics conversation is found by the customer's number until its id is known.
    const dynamicsIds = new Map<number, string>();
    const inDynamics = new ArrivalWatch<{ thread: number; text: string }>(
      ({ thread, text }) => {
        let view;
        try {
          view = dynamics.conversation(dynamicsIds.get(thread) ?? customerOf(thread));
        } catch {
          return false; // not created yet
        }
        dynamicsIds.set(thread, view.conversationId);
        return view.messages.some((m) => m.sender === 'customer' && !m.automated && m.text === text);
      },
      ({ thread, text }) => `"${text}" in the Dynamics conversation of thread ${thread + 1}`,
    );
    const smsToDynamics = async (thread: number, m: number) => {
      const arrived = inDynamics.until({ thread, text: smsText(thread, m) });
      await post(inboundSms(customerOf(thread), smsText(thread, m), referenceOf(thread, m)));
      return arrived;
    };

    // Dynamics → customer: what Telesign accepted since the last look, by reply tag.
    const accepted = new Set<string>();
    let looked = 0;
    const atTelesign = new ArrivalWatch<string>(
      (tag) => accepted.has(tag),
      (tag) => `reply #${tag} accepted by Telesign`,
      () => {
        const sent = telesign.sent();
        for (const message of sent.slice(looked)) {
          const tag = replyTag.exec(message.message);
          if (!tag) continue;
          const thread = Number(tag[1]) - 1;
          if (message.phoneNumber !== customerOf(thread))
            throw new Error(`reply #${tag[1]}.${tag[2]} went to the wrong number`);
          accepted.add(`${tag[1]}.${tag[2]}`);
        }
        looked = sent.length;
      },
    );
    const replyToTelesign = async (thread: number, r: number) => {
      const arrived = atTelesign.until(`${thread + 1}.${r + 1}`);
      dynamics.reply(dynamicsIds.get(thread)!, replyText(thread, r));
      return arrived;
    };

    const agentAccepts = async (threads: number[]) => {
      for (const thread of threads)
        dynamics.accept(dynamicsIds.get(thread)!, { id: `agent-${thread + 1}`, name: `Agent ${thread + 1}` });
      // Delivered to our webhook, then applied: nothing left in dynamics-activities.
      await dynamics.webhookIdle();
      const activitiesQueue = channel.env.DYNAMICS_ACTIVITIES_QUEUE || 'dynamics-activities';
      const drained = () =>
        channel
          .broker!.entities()
          .queues.every((q) => q.name !== activitiesQueue || (q.active === 0 && q.scheduled === 0));
      await waitUntil(drained, { what: 'bridge, agent activities applied', everyMs: 5 });
    };

    // Warm both paths on a thread of its own: token, JWKS, connections, tables, the first create and send.
    const warm = BRIDGE_THREADS;
    await smsToDynamics(warm, 0);
    await agentAccepts([warm]);
    await replyToTelesign(warm, 0);

    const threads = Array.from({ length: BRIDGE_THREADS }, (_, t) => t);
    const toDynamics = await timedThreads(BRIDGE_THREADS, BRIDGE_MESSAGES, smsToDynamics, progress);
    await agentAccepts(threads);
    const toTelesign = await timedThreads(BRIDGE_THREADS, BRIDGE_REPLIES, replyToTelesign, progress);

    return { threads: BRIDGE_THREADS, messages: BRIDGE_MESSAGES, replies: BRIDGE_REPLIES, toDynamics, toTelesign };
  } finally {
    await channel.stop();
  }
}

import { randomUUID } from 'node:crypto';

import type { DynamicsLink } from '../../shared/ports/dynamicsLinks';
import { eachAdapter } from './adapters';

eachAdapter((adapter) => {
  const links = () => adapter().stores.dynamicsLinks;
  const link = (dynamicsConversationId: string, conversation = 1): DynamicsLink => ({
    dynamicsConversationId,
    threadId: 'T1',
    conversation,
    linkedAt: '2026-01-01T10:00:00.000Z',
  });

  describe('the Dynamics link store', () => {
    it('finds a link by its Dynamics id whatever the case, and knows no other', async () => {
      const id = randomUUID().toUpperCase();
      expect(await links().get(id)).toBeUndefined();
      await links().put(link(id));
      expect(await links().get(id.toLowerCase())).toEqual(link(id));
      expect(await links().get(` ${id} `)).toEqual(link(id));
      expect(await links().get(randomUUID())).toBeUndefined();
    });

    it('takes the same link twice, and a newer link replaces the old one', async () => {
      const id = randomUUID();
      await links().put(link(id, 1));
      await links().put(link(id, 1));
      expect(await links().get(id)).toEqual(link(id, 1));
      await links().put(link(id.toUpperCase(), 2));
      expect(await links().get(id)).toEqual(link(id.toUpperCase(), 2));
    });
  });
});

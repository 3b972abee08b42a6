import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { hostServiceBusSettings } from '../../local/hostJson';

const root = path.resolve(__dirname, '..', '..');

describe("host.json's Service Bus settings for the local triggers", () => {
  it("are the project's own: the local consumers run as many sessions as Azure will", () => {
    const host = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8'));
    expect(hostServiceBusSettings(path.join(root, 'local'))).toEqual({
      maxConcurrentSessions: host.extensions.serviceBus.maxConcurrentSessions,
      // "00:00:01": a drained session is kept a second for its next message, as the Functions host keeps it.
      sessionIdleMs: 1000,
    });
    expect(host.extensions.serviceBus.sessionIdleTimeout).toBe('00:00:01');
    // Compiled, the code runs from dist/local: host.json is found two levels up.
    expect(hostServiceBusSettings(path.join(root, 'dist', 'local'))).toEqual(
      hostServiceBusSettings(path.join(root, 'local')),
    );
  });

  describe('elsewhere', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'host-json-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const write = (host: unknown) => writeFileSync(path.join(dir, 'host.json'), JSON.stringify(host));

    it("fall back to the extension's default when host.json leaves the setting out", () => {
      write({ version: '2.0', extensions: { serviceBus: {} } });
      expect(hostServiceBusSettings(dir)).toEqual({ maxConcurrentSessions: 8 });
    });

    it('read sessionIdleTimeout in every TimeSpan form host.json takes', () => {
      const idle = (sessionIdleTimeout: string) => {
        write({ version: '2.0', extensions: { serviceBus: { sessionIdleTimeout } } });
        return hostServiceBusSettings(dir).sessionIdleMs;
      };
      expect(idle('00:00:01')).toBe(1000);
      expect(idle('00:00:00.250')).toBe(250);
      expect(idle('00:01:30')).toBe(90_000);
      expect(idle('1.00:00:00')).toBe(86_400_000);
    });

    it('refuse a sessionIdleTimeout that is not a positive time span', () => {
      for (const bad of ['1s', '00:00:00', '00:61:00', 1000]) {
        write({ version: '2.0', extensions: { serviceBus: { sessionIdleTimeout: bad } } });
        expect(() => hostServiceBusSettings(dir)).toThrow(/sessionIdleTimeout must be a positive time span/);
      }
    });

    it('refuse a value the Functions host would refuse', () => {
      write({ version: '2.0', extensions: { serviceBus: { maxConcurrentSessions: '16' } } });
      expect(() => hostServiceBusSettings(dir)).toThrow(/maxConcurrentSessions must be a whole number/);
    });
  });
});

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
    });
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

    it('refuse a value the Functions host would refuse', () => {
      write({ version: '2.0', extensions: { serviceBus: { maxConcurrentSessions: '16' } } });
      expect(() => hostServiceBusSettings(dir)).toThrow(/maxConcurrentSessions must be a whole number/);
    });
  });
});

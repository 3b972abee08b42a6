import { ConsentSignal, detectConsentKeyword } from '../../shared/domain/consent';

describe('detectConsentKeyword', () => {
  describe('a message that is only a keyword', () => {
    it.each<[string, ConsentSignal]>([
      ['STOP', { kind: 'opt_out', keyword: 'STOP' }],
      ['stop', { kind: 'opt_out', keyword: 'STOP' }],
      ['Stop.', { kind: 'opt_out', keyword: 'STOP' }],
      ['  sToP!!  ', { kind: 'opt_out', keyword: 'STOP' }],
      ['STOPALL', { kind: 'opt_out', keyword: 'STOPALL' }],
      ['stop all', { kind: 'opt_out', keyword: 'STOPALL' }],
      ['Unsubscribe', { kind: 'opt_out', keyword: 'UNSUBSCRIBE' }],
      ['cancel', { kind: 'opt_out', keyword: 'CANCEL' }],
      ['End', { kind: 'opt_out', keyword: 'END' }],
      ['quit', { kind: 'opt_out', keyword: 'QUIT' }],
      ['revoke', { kind: 'opt_out', keyword: 'REVOKE' }],
      ['optout', { kind: 'opt_out', keyword: 'OPTOUT' }],
      ['OPT OUT', { kind: 'opt_out', keyword: 'OPT OUT' }],
      [' opt out! ', { kind: 'opt_out', keyword: 'OPT OUT' }],
      ['opt   out', { kind: 'opt_out', keyword: 'OPT OUT' }],
      ['opt-out', { kind: 'opt_out', keyword: 'OPT OUT' }],
      ['Opt_Out', { kind: 'opt_out', keyword: 'OPT OUT' }],
      ['STOP 🛑', { kind: 'opt_out', keyword: 'STOP' }],
      ['ＳＴＯＰ', { kind: 'opt_out', keyword: 'STOP' }],
      ['"stop"', { kind: 'opt_out', keyword: 'STOP' }],
      ['\tSTOP\n', { kind: 'opt_out', keyword: 'STOP' }],
      ['STOP STOP STOP', { kind: 'opt_out', keyword: 'STOP' }],
      ['START', { kind: 'opt_in', keyword: 'START' }],
      ['unstop', { kind: 'opt_in', keyword: 'UNSTOP' }],
      ['Yes!', { kind: 'opt_in', keyword: 'YES' }],
      ['HELP', { kind: 'help', keyword: 'HELP' }],
      ['help?', { kind: 'help', keyword: 'HELP' }],
      ['Info', { kind: 'help', keyword: 'INFO' }],
    ])('%j → %o', (text, expected) => {
      expect(detectConsentKeyword(text)).toEqual(expected);
    });
  });

  describe('a longer message that mentions an opt-out word', () => {
    it.each<[string, string]>([
      ['stop texting me', 'STOP'],
      ['please unsubscribe me', 'UNSUBSCRIBE'],
      ['Please STOP.', 'STOP'],
      ['I want to opt out of these', 'OPT OUT'],
      ['opt-out please', 'OPT OUT'],
      ['quit messaging me', 'QUIT'],
      ['stop, now!', 'STOP'],
    ])('%j is flagged with %s', (text, keyword) => {
      expect(detectConsentKeyword(text)).toEqual({ kind: 'possible_opt_out', keyword });
    });
  });

  describe('no signal', () => {
    it.each([
      '',
      '   ',
      '?!',
      'stopped',
      'STOPS',
      'unstoppable',
      'see you at the weekend',
      'I will attend',
      'the package never started',
      'yes please call me', // opt-in words only count alone
      'I need help with my order',
      'please cancel my order', // CANCEL and END only count alone
      'by the end of the day',
      'options',
      'Hi, my order has not arrived',
    ])('%j', (text) => {
      expect(detectConsentKeyword(text)).toEqual({ kind: 'none' });
    });
  });
});

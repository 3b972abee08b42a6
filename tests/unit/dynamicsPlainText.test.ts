import { agentReplyParts } from '../../shared/dynamics/agentReply';
import { markdownToPlainText } from '../../shared/dynamics/plainText';

describe('markdownToPlainText', () => {
  it.each([
    ['**bold**, _italic_, ~strike~ and ~~double~~', 'bold, italic, strike and double'],
    ['> a quote', 'a quote'],
    ['### Heading\nText', 'Heading\nText'],
    ['See [our site](https://contoso.com/help) now.', 'See our site (https://contoso.com/help) now.'],
    ['[**Track it**](https://c.io/t?id=1&x=2)', 'Track it (https://c.io/t?id=1&x=2)'],
    ['[https://contoso.com](https://contoso.com/)', 'https://contoso.com/'],
    ['Go to <https://contoso.com/a>', 'Go to https://contoso.com/a'],
    ['bare https://contoso.com/a_b_c stays', 'bare https://contoso.com/a_b_c stays'],
    ['```\nrestart the router\n```', 'restart the router'],
    ['1. Unplug it\n2. Wait\n- then plug in', '1. Unplug it\n2. Wait\n- then plug in'],
    ['one<br>two</br>three<BR/>four', 'one\ntwo\nthree\nfour'],
    ['a\n\n\n\nb  \n\n\nc', 'a\n\nb\n\nc'],
    ['Tom &amp; Jerry &lt;3 &#39;hi&#39; &#x1F600;', "Tom & Jerry <3 'hi' 😀"],
    ['line one\r\nline two', 'line one\nline two'],
    ['![a photo](https://x.io/p.png)', 'a photo'],
  ])('%j becomes %j', (markdown, plain) => {
    expect(markdownToPlainText(markdown)).toBe(plain);
  });
});

describe('agentReplyParts', () => {
  const link = { contentUrl: 'https://files.example/issue.jpg', contentType: 'image/jpeg', name: 'issue (1).jpg' };

  it('turns markdown into plain text and adds one line per attachment link', () => {
    expect(
      agentReplyParts(
        { text: 'Here is the **label**', textFormat: 'markdown', attachments: [link] },
        { attachments: 'link' },
      ),
    ).toEqual(['Here is the label\nissue (1).jpg: https://files.example/issue.jpg']);
  });

  it('only tells the customer a file was sent when links are not to be sent', () => {
    expect(agentReplyParts({ text: '', attachments: [link] }, { attachments: 'notice' })).toEqual([
      '(The agent sent issue (1).jpg, which SMS cannot carry.)',
    ]);
  });

  it('leaves text declared plain as typed', () => {
    expect(
      agentReplyParts({ text: ' 2 * 3 * 4 ', textFormat: 'plain', attachments: [] }, { attachments: 'link' }),
    ).toEqual(['2 * 3 * 4']);
  });

  it('splits a long reply into SMS parts at word boundaries, in order', () => {
    const text = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const parts = agentReplyParts({ text, attachments: [] }, { attachments: 'link', maxLength: 160 });
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 160)).toBe(true);
    expect(parts.join(' ')).toBe(text);
  });

  it('gives nothing to send for a message that is only markup', () => {
    expect(agentReplyParts({ text: '***', attachments: [] }, { attachments: 'link' })).toEqual([]);
  });
});

import removeMarkdown from 'remove-markdown';

/**
 * An agent's markdown (docs/dynamics-protocol.md §7) as SMS text. remove-markdown does the stripping (emphasis,
 * headings, quotes, code fences); around it, three things SMS needs that it does not do: link targets survive as
 * `text (url)`, since a phone shows no hidden links; `<br>` is a line break rather than nothing; and runs of
 * blank lines shrink to one. List leaders stay, so numbered steps keep their numbers.
 */
export function markdownToPlainText(markdown: string): string {
  const prepared = markdown
    .replace(/\r\n?/g, '\n')
    .replace(/<\/?br\s*\/?>/gi, '\n')
    // `<https://…>` autolinks would otherwise go with the HTML tags.
    .replace(/<((?:https?|mailto|tel):[^<>\s]+)>/gi, '$1')
    // An image is not a link the customer can follow the same way; remove-markdown keeps its alt text.
    .replace(/(?<!!)\[([^\]]*)\]\(\s*<?([^()\s<>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_, text: string, target: string) =>
      linkText(text, target),
    );
  const plain = removeMarkdown(prepared, { stripListLeaders: false, gfm: true, useImgAltText: true });
  return decodeEntities(plain)
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** `[https://x](https://x)` says the URL once; `[](u)` is just the URL. */
function linkText(text: string, target: string): string {
  const label = text.trim();
  const bare = (s: string) => s.replace(/^(?:https?:\/\/|mailto:|tel:)/i, '').replace(/\/$/, '');
  if (!label || bare(label) === bare(target)) return target;
  return `${label} (${target})`;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Markdown editors escape these; an SMS shows `&amp;` literally. */
function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|nbsp|#\d{1,6}|#x[0-9a-f]{1,5});/gi, (whole, name: string) => {
    if (name[0] !== '#') return entities[name.toLowerCase()] ?? whole;
    const code = name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

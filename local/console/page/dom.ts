/** A few DOM helpers, so the panes read as what they show. Text only ever goes in as text, never as HTML. */
export const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: Array<Node | string | undefined>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) if (value !== undefined) node.setAttribute(name, value);
  for (const child of children) if (child !== undefined) node.append(child);
  return node;
}

export const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour12: false });

/** Runs `work` once after a burst of calls: a reply brings several events, the page refetches once. */
export function debounced(work: () => Promise<void>, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => void work().catch(() => undefined), ms);
  };
}

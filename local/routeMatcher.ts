/**
 * Azure Functions route templates (`conversations/{id}/messages`, `{name?}`, `{id:int}`) to matchers, so the
 * local host answers on exactly the routes the function files declare.
 */
export interface RouteMatcher {
  /** The route's parameters, decoded; throws `MalformedPathError` when one is not valid percent-encoding. */
  match(path: string): Record<string, string> | undefined;
}

/** A route parameter that does not decode (`%ff`, `%e2%82`, a lone `%`): the request is malformed, not the host. */
export class MalformedPathError extends Error {
  constructor(readonly segment: string) {
    super(`${JSON.stringify(segment)} is not valid percent-encoding`);
    this.name = 'MalformedPathError';
  }
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MalformedPathError(raw);
  }
}

export function compileRoute(template: string): RouteMatcher {
  const names: string[] = [];
  const pattern = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((segment) =>
      segment.replace(
        /\{([A-Za-z_][\w]*)(?::[^}?]+)?(\?)?\}|([^{}]+)/g,
        (_m, name: string | undefined, optional: string | undefined, literal: string | undefined) => {
          if (literal !== undefined) return literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          names.push(name!);
          return optional ? '([^/]*)' : '([^/]+)';
        },
      ),
    )
    .join('/');
  const regex = new RegExp(`^${pattern}/?$`, 'i');
  return {
    match(path) {
      const found = regex.exec(path.replace(/^\/+/, ''));
      if (!found) return undefined;
      return Object.fromEntries(names.map((n, i) => [n, decodeParam(found[i + 1] ?? '')]));
    },
  };
}

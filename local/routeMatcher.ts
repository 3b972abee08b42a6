/**
 * Azure Functions route templates (`conversations/{id}/messages`, `{name?}`, `{id:int}`) to matchers, so the
 * local host answers on exactly the routes the function files declare.
 */
export interface RouteMatcher {
  match(path: string): Record<string, string> | undefined;
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
      return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1] ?? '')]));
    },
  };
}

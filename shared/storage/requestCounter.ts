import type { TableClient } from '@azure/data-tables';

type PipelinePolicy = Parameters<TableClient['pipeline']['addPolicy']>[0];

/** A request that reads more than one row: a GET on `table()` (a point read names its keys in the path). */
const isQuery = (method: string, url: string) => method === 'GET' && /\(\)(\?|$)/.test(new URL(url).pathname + '?');

/**
 * Counts the HTTP requests the Tables clients it is added to make, and how many of them are queries: storage
 * budgets (tests, `npm run bench`) are asserted on real round trips, not estimated.
 */
export function requestCounter() {
  let count = 0;
  let queries = 0;
  const policy: PipelinePolicy = {
    name: 'countRequests',
    sendRequest: (request, next) => {
      count++;
      if (isQuery(request.method, request.url)) queries++;
      return next(request);
    },
  };
  return {
    policy,
    count: () => count,
    queries: () => queries,
    reset: () => {
      count = 0;
      queries = 0;
    },
    /** Adds the policy to each client. */
    attach(clients: Iterable<TableClient>) {
      for (const client of clients) client.pipeline.addPolicy(policy);
    },
  };
}

export type RequestCounter = ReturnType<typeof requestCounter>;

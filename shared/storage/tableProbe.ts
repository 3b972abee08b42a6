import type { TableClient } from '@azure/data-tables';

/** One query on a partition that never exists: proves the account answers and the table is there. */
export async function probeTable(client: TableClient): Promise<void> {
  const pages = client
    .listEntities({ queryOptions: { filter: "PartitionKey eq 'health-probe'", select: ['PartitionKey'] } })
    .byPage({ maxPageSize: 1 });
  await pages.next();
}

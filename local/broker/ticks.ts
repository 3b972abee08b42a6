/** .NET DateTime ticks (100 ns since 0001-01-01) of the Unix epoch. */
const UNIX_EPOCH_TICKS = 621355968000000000n;

/** Service Bus sends `com.microsoft:locked-until-utc` as 8-byte big-endian .NET ticks. */
export function toDotNetTicks(ms: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(Math.trunc(ms)) * 10000n + UNIX_EPOCH_TICKS);
  return buffer;
}
